"""No Docker engine here: check the compose file's shape and that its commands point at code."""

import glob
import importlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.urls import resolve

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")


def load():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_names_every_service():
    services = load()["services"]
    assert {"migrate", "web", "worker", "beat", "db", "redis", "mail"} <= set(services)


def test_each_app_service_runs_code_that_exists():
    services = load()["services"]
    web = " ".join(services["web"]["command"])
    module, attr = re.search(r"(\S+):(\w+)", web).groups()
    assert hasattr(importlib.import_module(module), attr)
    for name in ("worker", "beat"):
        command = services[name]["command"]
        app_module = command[command.index("-A") + 1]
        assert importlib.import_module(app_module).celery_app
        assert name in command
    assert (ROOT / services["web"]["build"]["dockerfile"]).exists()


def test_app_services_get_postgres_and_redis_by_url_and_run_with_debug_off():
    services = load()["services"]
    for name in ("migrate", *APP_SERVICES):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")
        assert env["DEBUG"] == "false"


def test_secrets_have_no_defaults():
    """${NAME:?message} stops `docker compose up` when .env does not set NAME."""
    services = load()["services"]
    for name in ("migrate", *APP_SERVICES):
        env = services[name]["environment"]
        assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
        assert env["ANYMAIL_WEBHOOK_SECRET"].startswith("${ANYMAIL_WEBHOOK_SECRET:?")
        assert "${POSTGRES_PASSWORD:?" in env["DATABASE_URL"]
    assert services["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    text = (ROOT / "docker-compose.yml").read_text()
    assert not re.search(r"\$\{\w+:?-", text), "a variable with a default value"


def test_migrations_run_once_in_their_own_service():
    services = load()["services"]
    assert services["migrate"]["command"][-3:] == ["manage.py", "migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"
    for name in APP_SERVICES:
        assert "migrate" not in " ".join(services[name]["command"])
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}
        assert services[name]["depends_on"]["db"] == {"condition": "service_healthy"}


def test_images_are_pinned_to_a_version():
    for name, service in load()["services"].items():
        if "build" in service:
            continue
        image = service["image"]
        assert re.search(r":v?\d+\.\d+(\.\d+)?(-[a-z0-9.]+)?$", image), f"{name}: {image}"


def test_every_long_running_service_has_a_health_check():
    services = load()["services"]
    for name in ("db", "redis", *APP_SERVICES):
        assert services[name]["healthcheck"]["test"], name
    web_check = " ".join(services["web"]["healthcheck"]["test"])
    path = re.search(r"http://127\.0\.0\.1:8000(/\S*?)'", web_check).group(1)
    assert resolve(path).url_name == "healthz"
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])


def test_workers_scale_and_beat_does_not():
    services = load()["services"]
    assert "container_name" not in services["worker"] and "ports" not in services["worker"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1


@pytest.mark.slow
def test_the_beat_health_check_passes_while_beat_runs(tmp_path):
    """The check reads the schedule file's age: it must see the file this beat writes."""
    beat = load()["services"]["beat"]
    schedule = beat["command"][beat["command"].index("--schedule") + 1]
    var_dir = str(Path(schedule).parent)  # /app/var in the image
    check = beat["healthcheck"]["test"]
    assert check[:3] == ["CMD", "python", "-c"]
    script = check[3].replace(var_dir, str(tmp_path))
    env = {**os.environ, "DEBUG": "true", "VAR_DIR": str(tmp_path)}
    for name in ("DATABASE_URL", "REDIS_URL", "CACHE_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    assert subprocess.run([sys.executable, "-c", script]).returncode == 1  # no beat yet
    command = [sys.executable, "-m", *beat["command"]]
    command[command.index(schedule)] = str(tmp_path / Path(schedule).name)
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while subprocess.run([sys.executable, "-c", script]).returncode != 0:
            assert proc.poll() is None and time.monotonic() < deadline, "the check never passed"
            time.sleep(0.5)
        assert proc.poll() is None, "beat stopped"
        assert glob.glob(str(tmp_path / "celerybeat-schedule*"))
    finally:
        proc.terminate()
        proc.wait(timeout=20)

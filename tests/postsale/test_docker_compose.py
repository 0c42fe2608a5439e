"""No Docker engine here: check the compose file's shape and that its commands point at code."""

import importlib
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_names_every_service():
    services = load()["services"]
    assert {"web", "worker", "beat", "db", "redis", "mail"} <= set(services)


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


def test_app_services_get_postgres_and_redis_by_url():
    services = load()["services"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")


def test_exactly_one_beat():
    services = load()["services"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1

"""The image's own commands serve pages with DEBUG off (no Docker engine needed).

The Dockerfile is read, not copied: its ENV, its `manage.py` RUN steps (collectstatic) and its
CMD (gunicorn) run here as they would in the image, with docker-compose.yml's migrate command
in between, against a fresh VAR_DIR. A collectstatic run with DEBUG on writes no manifest, and
then every page fails with "Missing staticfiles manifest entry": this test fails the same way.
"""

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# What the host's environment must not lend the image's commands.
HOST_ONLY = (
    "DATABASE_URL",
    "REDIS_URL",
    "CACHE_URL",
    "CELERY_BROKER_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "VAR_DIR",
    "DJANGO_SETTINGS_MODULE",
)


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    return [
        tuple(line.split(None, 1))
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def image_env() -> dict[str, str]:
    env = {}
    for instruction, args in instructions():
        if instruction == "ENV":
            env.update(item.split("=", 1) for item in shlex.split(args))
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, **headers) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def test_the_image_keeps_no_secret_and_runs_with_debug_off():
    env = image_env()
    assert env["DEBUG"] == "false"
    assert not {"SECRET_KEY", "ANYMAIL_WEBHOOK_SECRET"} & set(env)
    assert ("USER", "postsale") in instructions()


@pytest.fixture
def run_env(tmp_path):
    """The image's environment, with /app as this checkout and var/ under tmp_path."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in HOST_ONLY and not key.startswith("ANYMAIL_")
    }
    env.update(image_env())
    env.update(
        VAR_DIR=str(tmp_path / "var"),
        PYTHONPATH=str(ROOT),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


@pytest.mark.slow
def test_the_image_commands_serve_pages_with_debug_off(run_env, tmp_path):
    build_steps = [
        args for instruction, args in instructions() if instruction == "RUN" and "manage.py" in args
    ]
    assert any("collectstatic" in step for step in build_steps)
    for step in build_steps:
        subprocess.run(["sh", "-c", step], cwd=ROOT, env=run_env, check=True)
    manifest = tmp_path / "var" / "staticfiles" / "staticfiles.json"
    assert manifest.exists(), "collectstatic wrote no manifest: was DEBUG on?"
    hashed = json.loads(manifest.read_text())["paths"]["css/app.css"]
    assert hashed != "css/app.css"

    # The containers' environment: DEBUG stays off, the secrets come from outside.
    runtime = {
        **run_env,
        "SECRET_KEY": "test-" + "k" * 50,
        "ANYMAIL_WEBHOOK_SECRET": "test:secret",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    migrate = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["migrate"]
    subprocess.run(migrate["command"], cwd=ROOT, env=runtime, check=True, capture_output=True)

    command = json.loads(dict(instructions())["CMD"])
    port = free_port()
    command = [f"127.0.0.1:{port}" if arg == "0.0.0.0:8000" else arg for arg in command]
    command[command.index("--workers") + 1] = "1"
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=runtime,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    behind_tls = {"X-Forwarded-Proto": "https"}  # as behind the TLS proxy; no https redirect
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = get(f"{base}/healthz")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn never answered"
                time.sleep(0.3)
        assert (status, json.loads(body)) == (200, {"status": "ok"})

        status, login = get(f"{base}/accounts/login/", **behind_tls)
        assert status == 200, login[:2000]
        assert 'name="csrfmiddlewaretoken"' in login
        css = re.search(r'href="(/static/[^"]+\.css)"', login).group(1)
        assert css == f"/static/{hashed}"
        status, body = get(base + css, **behind_tls)
        assert status == 200 and body.strip()
        assert get(f"{base}/static/css/nothing-here.css", **behind_tls)[0] == 404
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    assert "Traceback" not in output, output


# --- .dockerignore: the build context carries no secret, data or local environment ----------


def pattern_regex(pattern: str) -> re.Pattern:
    """A .dockerignore pattern as a regex: `**` any folders, `*` and `?` within one name."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its folders decides."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:depth]) for depth in range(1, len(parts) + 1)]
    result = False
    for raw in patterns:
        negate = raw.startswith("!")
        regex = pattern_regex(raw.removeprefix("!").strip("/"))
        if any(regex.match(prefix) for prefix in prefixes):
            result = not negate
    return result


def dockerignore() -> list[str]:
    return [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".env.local",
        "var/secret_key",
        "var/postsale.sqlite3",
        "postsale.sqlite3",
        ".venv/bin/python",
        ".git/HEAD",
        "customers/__pycache__/models.cpython-311.pyc",
        "bench/out/run.csv",
        "bench/copy.sqlite3",
    ],
)
def test_the_build_context_leaves_out(path):
    assert ignored(path, dockerignore())


@pytest.mark.parametrize(
    "path",
    [
        "manage.py",
        "postsale/settings.py",
        "requirements-prod.lock",
        "static/css/app.css",
        "locale/es/LC_MESSAGES/django.mo",
        "templates/base.html",
        ".env.example",
    ],
)
def test_the_build_context_keeps(path):
    assert not ignored(path, dockerignore())

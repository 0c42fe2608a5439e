"""Real services for tests: PostgreSQL, Redis and a Celery worker process.

A test that needs a service the run was not configured for skips, except under CI=true, where it
fails: CI must never turn green by skipping what it was meant to prove.
"""

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing(reason: str):
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def require_postgres():
    if connection.vendor != "postgresql":
        missing("DATABASE_URL does not point at PostgreSQL")
    try:
        connection.ensure_connection()
    except Exception as exc:  # noqa: BLE001
        missing(f"PostgreSQL is unreachable: {exc}")


def require_redis() -> str:
    url = settings.REDIS_URL
    if not url:
        missing("REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        missing(f"Redis is unreachable at {url}: {exc}")
    return url


def database_url_of_test_db() -> str:
    cfg = connection.settings_dict
    auth = cfg["USER"] + (f":{cfg['PASSWORD']}" if cfg["PASSWORD"] else "")
    return f"postgres://{auth}@{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/{cfg['NAME']}"


def celery_env(queue: str, extra_env: dict | None = None) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url_of_test_db(),
        "CELERY_QUEUE": queue,
        "DEBUG": "true",
        "EMAIL_ESP": "kept",
        **(extra_env or {}),
    }


def start_worker(
    queue: str, extra_env: dict | None = None, concurrency: int = 1, name: str = "w"
) -> subprocess.Popen:
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "postsale",
        "worker",
        "-l",
        "warning",
        "-c",
        str(concurrency),
        "-n",
        f"{queue}-{name}@%h",
        "--without-gossip",
        "--without-mingle",
    ]
    return subprocess.Popen(argv, cwd=ROOT, env=celery_env(queue, extra_env), start_new_session=True)


def start_beat(queue: str, schedule_dir: Path, extra_env: dict | None = None) -> subprocess.Popen:
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "postsale",
        "beat",
        "-l",
        "warning",
        "--schedule",
        str(schedule_dir / "beat-schedule"),
    ]
    return subprocess.Popen(argv, cwd=ROOT, env=celery_env(queue, extra_env), start_new_session=True)


def stop(proc: subprocess.Popen, sig=None) -> None:
    import signal

    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig or signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@contextmanager
def private_queue():
    """A queue name of its own, used by this process's producer too."""
    from postsale.celery import app

    queue = f"test-{uuid.uuid4().hex[:8]}"
    old_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        app.conf.task_default_queue = old_queue


@contextmanager
def celery_worker(extra_env: dict | None = None, concurrency: int = 1):
    """A real `celery worker` process on a queue of its own, reading the test database."""
    with private_queue() as queue:
        proc = start_worker(queue, extra_env, concurrency)
        try:
            yield proc
        finally:
            stop(proc)


def wait_for(predicate, timeout: float = 30, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return predicate()

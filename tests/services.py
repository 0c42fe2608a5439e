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


# --- Private instances for fault tests: a Redis, a PostgreSQL cluster, a web server ----------
# Each is started on a free loopback port under the test's tmp_path and stopped (killed if it
# must) in a `finally`, so a failing test leaves nothing running. The machine's shared services
# are never touched.


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def binary(name: str, *candidates: str) -> str:
    """The path of a program the test needs; a skip without it (a failure under CI=true)."""
    import glob
    import shutil

    for candidate in candidates:
        found = sorted(glob.glob(candidate))
        if found:
            return found[-1]
    found = shutil.which(name)
    if not found:
        missing(f"{name} is not installed")
    return found


def redis_pings(port: int) -> bool:
    import redis

    try:
        return bool(redis.Redis(port=port, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def start_redis(port: int, workdir: Path) -> subprocess.Popen:
    """A redis-server of the test's own on `port`, nothing saved to disk."""
    argv = [binary("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    argv += ["--appendonly", "no", "--dir", str(workdir)]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, start_new_session=True)
    if not wait_for(lambda: redis_pings(port), timeout=10):
        stop(proc)
        raise AssertionError(f"the private redis-server on port {port} did not start")
    return proc


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (initdb in a temporary folder, trust auth, loopback,
    its own port). PostgreSQL refuses to run as root: run as root (containers, CI), the cluster's
    folder belongs to the `postgres` user and initdb and pg_ctl run as that user."""

    def __init__(self):
        import tempfile

        self.initdb = binary("initdb", "/usr/lib/postgresql/*/bin/initdb")
        self.pg_ctl = str(Path(self.initdb).with_name("pg_ctl"))
        self.workdir = Path(tempfile.mkdtemp(prefix="postsale-pg-"))
        self.data = self.workdir / "data"
        self.log = self.workdir / "postgres.log"
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:
            import pwd

            try:
                self.user = pwd.getpwnam("postgres")
            except KeyError:
                missing("running as root and there is no `postgres` user to run PostgreSQL as")
            os.chown(self.workdir, self.user.pw_uid, self.user.pw_gid)

    def url(self, name: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, *argv: str) -> None:
        def as_postgres():
            os.setgid(self.user.pw_gid)
            os.setuid(self.user.pw_uid)

        subprocess.run(
            argv,
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=self.workdir,
            preexec_fn=as_postgres if self.user else None,  # noqa: PLW1509 - before exec, no threads
        )

    def _ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", *args
        )

    def start(self) -> None:
        if not self.data.exists():
            self._run(self.initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self._ctl("start")

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        import shutil

        try:
            if (self.data / "postmaster.pid").exists():
                self._ctl("stop", "-m", "immediate")
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def query(self, sql: str, params=(), name: str = "postsale"):
        import psycopg2

        conn = psycopg2.connect(self.url(name), connect_timeout=5)
        try:
            conn.autocommit = True  # CREATE DATABASE runs outside a transaction
            with conn.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        finally:
            conn.close()


@contextmanager
def private_postgres():
    cluster = PrivatePostgres()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def start_web(port: int, extra_env: dict | None = None, workers: int = 2) -> subprocess.Popen:
    """gunicorn serving the app on 127.0.0.1:port, as production runs it."""
    argv = [sys.executable, "-m", "gunicorn", "postsale.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    argv += ["--workers", str(workers), "--timeout", "60", "--log-level", "warning"]
    env = {**os.environ, "DEBUG": "true", **(extra_env or {})}
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True)
    if not wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"), timeout=60, interval=0.5):
        stop(proc)
        raise AssertionError("gunicorn did not start")
    return proc


def _answers(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
            return response.status == 200
    except OSError:
        return False

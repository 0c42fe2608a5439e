"""`make run`'s process tree: it serves the login page, the demo manager sees the dashboard,
and SIGINT (Ctrl-C) leaves no process behind."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Starts migrate, seed_demo, runserver, a worker and beat: some 15 s per run.
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return urllib.request.urlopen(url, timeout=5).read().decode()  # noqa: S310
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} never answered")


def descendants(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-eo", "pid=,ppid=,pgid="], capture_output=True, text=True).stdout
    rows = [tuple(map(int, line.split())) for line in out.splitlines() if line.strip()]
    found, frontier = set(), {pid}
    while frontier:
        children = {p for p, pp, _ in rows if pp in frontier} - found
        found |= children
        frontier = children
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_make_run_serves_the_dashboard_and_stops_cleanly(tmp_path, stop_signal):
    port = free_port()
    env = {**os.environ, "VAR_DIR": str(tmp_path), "RUN_ADDRESS": f"127.0.0.1:{port}", "DEBUG": "true"}
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "postsale.run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        login_page = wait_http(f"{base}/accounts/login/")
        assert "csrfmiddlewaretoken" in login_page
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(f"{base}/accounts/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urlencode(
            {"username": "manager", "password": "demo-manager-2026", "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(
            f"{base}/accounts/login/", data=form, headers={"Referer": f"{base}/accounts/login/"}
        )
        home = opener.open(request).read().decode()
        assert 'data-count="customers">300<' in home
        tree = descendants(proc.pid)
        assert len(tree) >= 3, "web, worker and beat should all be running"
    finally:
        proc.send_signal(stop_signal)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output
    assert "login: manager / demo-manager-2026" in output
    time.sleep(1)
    left = [pid for pid in tree if alive(pid)]
    assert left == [], f"processes left behind: {left}"


def children_named(pid: int, word: str) -> list[int]:
    """The direct children of pid whose command line has word (the worker's main process)."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    found = []
    for child in map(int, out.split()):
        try:
            argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            continue
        if word.encode() in argv:
            found.append(child)
    return found


def wait_for(predicate, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_crashed_worker_is_restarted_and_a_crash_loop_stops_everything(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "VAR_DIR": str(tmp_path),
        "RUN_ADDRESS": f"127.0.0.1:{port}",
        "DEBUG": "true",
        "RUN_CRASH_LIMIT": "2",
    }
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    log = tmp_path / "run.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "postsale.run"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/accounts/login/")
        first = wait_for(lambda: children_named(proc.pid, "worker"), what="the worker")[0]
        os.kill(first, signal.SIGKILL)

        second = wait_for(
            lambda: [p for p in children_named(proc.pid, "worker") if p != first], what="a new worker"
        )[0]
        assert "worker exited with code -9; restarting it in 1 s." in log.read_text()
        assert proc.poll() is None
        assert "csrfmiddlewaretoken" in wait_http(f"http://127.0.0.1:{port}/accounts/login/")
        tree = descendants(proc.pid)

        os.kill(second, signal.SIGKILL)  # the second crash in the window: RUN_CRASH_LIMIT=2
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
    output = log.read_text()
    assert proc.returncode == 1, output
    assert "worker exited with code -9, crashing 2 times in 300 s; it is crash-looping" in output
    time.sleep(1)
    left = [pid for pid in tree if alive(pid)]
    assert left == [], f"processes left behind: {left}"

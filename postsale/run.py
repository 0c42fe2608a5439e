"""`make run`: web, one Celery worker and beat as one process tree; Ctrl-C stops all of them.

Each child gets a session of its own so the terminal's Ctrl-C reaches only this supervisor, which
then stops the children in order (SIGTERM to each whole group, SIGKILL after a grace period).
A child that dies on its own is restarted after a pause that grows with its recent crashes
(the embedded default must run for days); only a child that keeps crashing stops everything.
"""

import os
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field

GRACE_SECONDS = 10
HOST_PORT = os.environ.get("RUN_ADDRESS", "127.0.0.1:8000")
BACKOFF_SECONDS = (1, 2, 5, 10, 30)  # the pause before the 1st, 2nd, ... restart in a row
CRASH_WINDOW_SECONDS = 300
CRASH_LIMIT = int(os.environ.get("RUN_CRASH_LIMIT", "5"))  # crashes in the window: give up


@dataclass
class Child:
    name: str
    argv: list[str]
    proc: subprocess.Popen | None = None
    crashes: deque = field(default_factory=deque)  # monotonic times of recent crashes
    restart_at: float | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(self.argv, start_new_session=True)  # noqa: S603
        self.restart_at = None


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], check=True)  # noqa: S603


def kill_group(proc: subprocess.Popen) -> None:
    try:  # whatever is left of the group (a dead worker's pool processes) goes too
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def stop_all(children: list[Child]) -> None:
    running = [child.proc for child in children if child.proc is not None]
    for proc in running:
        if proc.poll() is None:
            proc.terminate()  # the worker's main process then stops its own pool
    deadline = time.monotonic() + GRACE_SECONDS
    for proc in running:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        kill_group(proc)
        proc.wait()


def supervise(child: Child, now: float) -> bool:
    """Restart a child that died, after its backoff; False when it crash-loops."""
    if child.restart_at is not None:
        if now >= child.restart_at:
            child.start()
            print(f"{child.name} restarted (pid {child.proc.pid}).", file=sys.stderr, flush=True)
        return True
    code = child.proc.poll()
    if code is None:
        return True
    kill_group(child.proc)
    child.crashes.append(now)
    while child.crashes and child.crashes[0] < now - CRASH_WINDOW_SECONDS:
        child.crashes.popleft()
    if len(child.crashes) >= CRASH_LIMIT:
        print(
            f"{child.name} exited with code {code}, crashing {len(child.crashes)} times in "
            f"{CRASH_WINDOW_SECONDS} s; it is crash-looping, so stopping the rest.",
            file=sys.stderr,
            flush=True,
        )
        return False
    delay = BACKOFF_SECONDS[min(len(child.crashes), len(BACKOFF_SECONDS)) - 1]
    child.restart_at = now + delay
    print(f"{child.name} exited with code {code}; restarting it in {delay} s.", file=sys.stderr, flush=True)
    return True


def main() -> int:
    manage("migrate", "--noinput", "-v", "0")
    manage("compilemessages_py")
    manage("seed_demo")
    manage("rebuild_rollups")  # the dashboard's numbers before beat's first rebuild
    celery = [sys.executable, "-m", "celery", "-A", "postsale"]
    children = [
        Child("web", [sys.executable, "manage.py", "runserver", HOST_PORT, "--noreload"]),
        # One worker needs no gossip, mingle or event heartbeats; on the file broker each would
        # bind a queue per worker start, and a crashed worker's queue would fill up forever.
        Child(
            "worker",
            [
                *celery,
                "worker",
                "-l",
                "info",
                "-c",
                "2",
                "-n",
                "worker@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
        ),
        Child("beat", [*celery, "beat", "-l", "info"]),
    ]
    for child in children:
        child.start()
    print(
        f"\nPostsale is up at http://{HOST_PORT}/  (log in with a login printed above; "
        "Ctrl-C stops web, worker and beat)\n",
        flush=True,
    )
    stopping, failed = False, False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stopping and not failed:
            now = time.monotonic()
            failed = not all([supervise(child, now) for child in children])
            time.sleep(0.5)
    finally:
        stop_all(children)
    print("Postsale stopped.", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

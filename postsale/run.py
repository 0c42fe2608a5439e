"""`make run`: web, one Celery worker and beat as one process tree; Ctrl-C stops all of them.

Each child gets a session of its own so the terminal's Ctrl-C reaches only this supervisor, which
then stops the children in order (SIGTERM to each whole group, SIGKILL after a grace period).
"""

import os
import signal
import subprocess
import sys
import time

GRACE_SECONDS = 10
HOST_PORT = os.environ.get("RUN_ADDRESS", "127.0.0.1:8000")


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], check=True)  # noqa: S603


def start(name: str, argv: list[str]) -> tuple[str, subprocess.Popen]:
    return name, subprocess.Popen(argv, start_new_session=True)  # noqa: S603


def stop_all(children: list[tuple[str, subprocess.Popen]]) -> None:
    for _name, proc in children:
        if proc.poll() is None:
            proc.terminate()  # the worker's main process then stops its own pool
    deadline = time.monotonic() + GRACE_SECONDS
    for _name, proc in children:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        try:  # whatever is left of the group (pool children) goes too
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def main() -> int:
    manage("migrate", "--noinput", "-v", "0")
    manage("compilemessages_py")
    manage("seed_demo")
    celery = [sys.executable, "-m", "celery", "-A", "postsale"]
    children = [
        start("web", [sys.executable, "manage.py", "runserver", HOST_PORT, "--noreload"]),
        start("worker", [*celery, "worker", "-l", "info", "-c", "2", "-n", "worker@%h"]),
        start("beat", [*celery, "beat", "-l", "info"]),
    ]
    print(f"\nPostsale is up at http://{HOST_PORT}/  (log in with a login printed above; "
          "Ctrl-C stops web, worker and beat)\n", flush=True)
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        while not stopping:
            dead = [name for name, proc in children if proc.poll() is not None]
            if dead:
                print(f"{', '.join(dead)} stopped; stopping the rest.", file=sys.stderr)
                break
            time.sleep(0.5)
    finally:
        stop_all(children)
    print("Postsale stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

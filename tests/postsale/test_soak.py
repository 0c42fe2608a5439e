"""`make run`'s process tree under load for minutes: no child dies, mail keeps going out through
the embedded broker, and no broker file is ever read half-written.

    SOAK_SECONDS=600 DEBUG=true .venv/bin/pytest -m slow tests/foundation/test_soak.py

Runs 240 s by default. The load is one sale every LOAD_INTERVAL seconds through the services
(each plans a thank-you due at once, with quiet hours off), so beat's dispatch sweep, the broker
and the worker all carry traffic the whole time, while the test polls the web's /readyz.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.postsale.test_make_run import ROOT, descendants, free_port, wait_http

SOAK_SECONDS = int(os.environ.get("SOAK_SECONDS", "240"))
WINDOW_SECONDS = 60  # mail must go out in every window of this length
LOAD_INTERVAL = 0.5

LOAD = """
import datetime as dt, sys, time, uuid
import django
django.setup()
from django.utils import timezone
from customers import services
from followups.models import FollowupRules

FollowupRules.objects.filter(pk=FollowupRules.current().pk).update(
    thank_you_delay_minutes=0, quiet_hours_start=0, quiet_hours_end=0, frequency_cap=1000)
deadline, made = time.monotonic() + float(sys.argv[1]), 0
while time.monotonic() < deadline:
    key = uuid.uuid4().hex[:12]
    customer, _ = services.customer_upsert(external_id=f"SOAK-{key}", name="Soak " + key,
                                           email=f"soak-{key}@example.com", language="es")
    services.sale_record(external_id=f"SOAK-{key}", customer=customer, ordered_at=timezone.now(),
                         lines=[services.LineData(name="Soak item", quantity=1, unit_price=9)])
    made += 1
    time.sleep(float(sys.argv[2]))
print(f"load: {made} sales", flush=True)
"""


def kept_mail(db) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        return conn.execute("SELECT COUNT(*) FROM followups_keptmail").fetchone()[0]


def broker_files(var, folder: str) -> int:
    return len(os.listdir(var / "broker" / folder))


@pytest.mark.slow
def test_make_run_keeps_sending_under_load_for_minutes(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "VAR_DIR": str(tmp_path),
        "RUN_ADDRESS": f"127.0.0.1:{port}",
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "postsale.settings",
    }
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    log = tmp_path / "run.log"
    with open(log, "w") as out:
        run = subprocess.Popen(
            [sys.executable, "-m", "postsale.run"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    load = None
    try:
        wait_http(f"http://127.0.0.1:{port}/accounts/login/", timeout=180)
        tree = descendants(run.pid)
        load = subprocess.Popen(
            [sys.executable, "-c", LOAD, str(SOAK_SECONDS), str(LOAD_INTERVAL)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        db, started = tmp_path / "postsale.sqlite3", time.monotonic()
        windows, ready_failures, queue_peak = [kept_mail(db)], 0, 0
        while time.monotonic() - started < SOAK_SECONDS:
            time.sleep(WINDOW_SECONDS / 6)
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10)  # noqa: S310
            except OSError:
                ready_failures += 1
            queue_peak = max(queue_peak, broker_files(tmp_path, "queue"))
            if time.monotonic() - started >= WINDOW_SECONDS * len(windows):
                windows.append(kept_mail(db))
        load_output, _ = load.communicate(timeout=120)
        time.sleep(15)  # one more dispatch sweep for the last sales
        windows.append(kept_mail(db))
        assert run.poll() is None, "the launcher stopped on its own"
        still_running = descendants(run.pid)
    finally:
        if load is not None and load.poll() is None:
            load.kill()
        run.send_signal(signal.SIGTERM)
        run.wait(timeout=60)
    output = log.read_text()
    sent = [b - a for a, b in zip(windows, windows[1:], strict=False)]
    print(
        f"soak {SOAK_SECONDS} s: mail sent per window {sent}; broker queue peak {queue_peak} "
        f"files; {load_output.strip()}"
    )

    assert load.returncode == 0, load_output
    assert "restarting it" not in output and "exited with code" not in output, output[-3000:]
    assert "JSONDecodeError" not in output and "Traceback" not in output, output[-3000:]
    assert tree <= still_running, "a child of make run died (and was replaced) during the soak"
    assert all(n > 0 for n in sent), f"mail stopped flowing in some window: {sent}"
    assert ready_failures == 0
    assert broker_files(tmp_path, "bad") == 0
    assert queue_peak < 200, "messages pile up in the broker folder"
    assert run.returncode == 0, output[-3000:]

"""PostgreSQL restarted under a running site: web and workers carry on, nobody restarts them.

Real processes on a private PostgreSQL cluster (initdb under tmp_path, its own port) and a
private Redis: gunicorn (2 workers), a Celery worker (2 processes) and beat. Sales come in
through the API and their thank-yous go out; `pg_ctl restart -m fast` cuts every connection the
processes hold; then the very next requests succeed and the new sales' mail goes out, each mail
once. The machine's shared PostgreSQL is never touched.
"""

import datetime as dt
import subprocess
import sys
import time
import uuid
from collections import Counter

import pytest
import requests

from tests.services import (
    ROOT,
    free_port,
    private_postgres,
    start_beat,
    start_redis,
    start_web,
    start_worker,
    stop,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SEED = """
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from followups.models import FollowupRules
rules = FollowupRules.current()
rules.quiet_hours_start = rules.quiet_hours_end = 0
rules.thank_you_delay_minutes = 0
rules.frequency_cap = 50
rules.save()
user = User.objects.create_user("marta")
user.groups.add(Group.objects.get(name="Manager"))
print(Token.objects.create(user=user).key)
"""


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def sale_body(n: int) -> dict:
    # An hour ago: a thank-you is planned only for an order of the last two days, so a fixed date
    # would stop this test from sending anything once it is two days old.
    ordered_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    return {
        "external_id": f"PG-{n}",
        "ordered_at": ordered_at.isoformat(timespec="seconds"),
        "customer": {"external_id": f"C-PG-{n}", "name": f"Cliente {n}", "email": f"pg{n}@example.com"},
        "lines": [{"name": "Cafetera", "quantity": 1, "unit_price": "30.00"}],
    }


def test_a_postgres_restart_mid_run_needs_no_manual_step(tmp_path):
    import os

    with private_postgres() as cluster:
        cluster.query("CREATE DATABASE postsale", name="postgres")
        redis_port, web_port = free_port(), free_port()
        env = {
            "DATABASE_URL": cluster.url("postsale"),
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "CACHE_URL": f"redis://127.0.0.1:{redis_port}/1",
            "CELERY_QUEUE": f"pg-{uuid.uuid4().hex[:8]}",
            "EMAIL_ESP": "kept",
        }
        full_env = {**os.environ, "DEBUG": "true", **env}
        manage(full_env, "migrate", "--noinput", "-v", "0")
        token = manage(full_env, "shell", "-c", SEED).strip().splitlines()[-1]

        def sent() -> Counter:
            return Counter(
                dict(cluster.query("SELECT state, count(*) FROM followups_message GROUP BY state"))
            )

        base = f"http://127.0.0.1:{web_port}"
        api = requests.Session()
        api.headers["Authorization"] = f"Token {token}"
        procs, redis_proc = [], start_redis(redis_port, tmp_path)
        try:
            queue = env["CELERY_QUEUE"]
            procs += [start_worker(queue, env, concurrency=2), start_beat(queue, tmp_path, env)]
            procs.append(start_web(web_port, env))
            # Before: every gunicorn worker and every pool process holds a database connection.
            for n in range(6):
                assert api.post(base + "/api/v1/sales/", json=sale_body(n), timeout=10).status_code == 201
                assert api.get(base + "/api/v1/sales/", timeout=10).status_code == 200
            assert wait_for(lambda: sent()["sent"] == 6, timeout=90, interval=1), sent()

            cluster.restart()  # every connection those processes hold is cut

            statuses = Counter()
            for n in range(6, 12):
                statuses[api.post(base + "/api/v1/sales/", json=sale_body(n), timeout=10).status_code] += 1
                statuses[api.get(base + "/api/v1/sales/", timeout=10).status_code] += 1
            ready = requests.get(base + "/readyz", timeout=10)
            assert statuses == {201: 6, 200: 6}, statuses
            assert ready.status_code == 200, ready.text
            started = time.monotonic()
            assert wait_for(lambda: sent()["sent"] == 12, timeout=90, interval=1), sent()
            print(f"after the restart the worker sent the new mail in {time.monotonic() - started:.1f} s")
            assert all(proc.poll() is None for proc in procs), "no process had to be restarted"
        finally:
            for proc in procs:
                stop(proc)
            stop(redis_proc)
        per_message = Counter(
            row[0]
            for row in cluster.query("SELECT headers->>'Message-ID' FROM followups_keptmail")
            if row[0] and row[0].startswith("<postsale-")
        )
        assert len(per_message) == 12 and set(per_message.values()) == {1}, per_message

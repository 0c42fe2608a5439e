"""`make load` in small: bench/public_load.py on gunicorn under wrk, bounded, no errors.

The full run (100 clients, 60 s) is `make load`; here 20 clients for 5 s against a database of
its own next to the test database (created by the script, dropped after)."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from tests.services import ROOT, binary, database_url_of_test_db, require_postgres

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db]


def test_the_public_pages_under_load_answer_without_errors(tmp_path):
    require_postgres()
    binary("wrk")
    name = f"{connection.settings_dict['NAME']}_load"
    url = database_url_of_test_db().rsplit("/", 1)[0] + f"/{name}"
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "true"}
    argv = [sys.executable, "bench/public_load.py", "--seconds", "5", "--clients", "20", "--size", "2000"]
    try:
        result = subprocess.run(
            [*argv, "--out", str(tmp_path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
    finally:
        import psycopg2

        admin = psycopg2.connect(database_url_of_test_db().rsplit("/", 1)[0] + "/postgres")
        admin.autocommit = True  # DROP DATABASE runs outside a transaction
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    (report,) = [json.loads(path.read_text()) for path in tmp_path.glob("load-*.json")]
    assert report["errors"] == {} and report["requests"] > 20
    answered = {int(status): n for status, n in report["statuses"].items()}
    assert set(answered) <= {200, 303, 429} and answered.get(303, 0) > 0, answered
    assert report["p99_ms"] > 0 and "errors: none" in result.stdout

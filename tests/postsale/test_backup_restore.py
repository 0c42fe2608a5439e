"""Backups as the README tells them: pg_dump of the live database, pg_restore into a new one, and
the app serves the restored data (PostgreSQL)."""

import json
import subprocess
import sys
import urllib.request
import uuid

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from tests.customers.factories import CustomerFactory
from tests.postsale.test_make_run import ROOT, free_port, wait_http
from tests.services import require_postgres

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def pg(*args: str) -> None:
    subprocess.run(list(args), check=True, capture_output=True, timeout=120)  # noqa: S603


def test_a_dump_restored_into_a_new_database_serves_its_customers(manager, tmp_path):
    require_postgres()
    customer = CustomerFactory(name="Lucía Restaurada", external_id="C-BACKUP")
    token = Token.objects.create(user=manager)
    cfg = connection.settings_dict
    host, port, user = cfg["HOST"] or "127.0.0.1", str(cfg["PORT"] or 5432), cfg["USER"]
    dump, restored = tmp_path / "postsale.dump", f"restored_{uuid.uuid4().hex[:8]}"
    pg(
        "pg_dump",
        "-h",
        host,
        "-p",
        port,
        "-U",
        user,
        "--format=custom",
        "--no-owner",
        f"--file={dump}",
        cfg["NAME"],
    )
    pg("createdb", "-h", host, "-p", port, "-U", user, restored)
    web = None
    try:
        pg("pg_restore", "-h", host, "-p", port, "-U", user, "--no-owner", f"--dbname={restored}", str(dump))
        address = f"127.0.0.1:{free_port()}"
        env = {
            "DEBUG": "true",
            "PATH": "/usr/bin:/bin",
            "VAR_DIR": str(tmp_path / "var"),
            "DATABASE_URL": f"postgres://{user}@{host}:{port}/{restored}",
        }
        web = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", address, "--noreload"],  # noqa: S603
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_http(f"http://{address}/healthz")
        request = urllib.request.Request(
            f"http://{address}/api/v1/customers/?external_id=C-BACKUP",
            headers={"Authorization": f"Token {token.key}"},
        )
        body = json.loads(urllib.request.urlopen(request, timeout=10).read())  # noqa: S310
        assert [row["name"] for row in body["results"]] == [customer.name]
    finally:
        if web is not None:
            web.terminate()
            web.wait(timeout=20)
        connection.close()
        pg("dropdb", "-h", host, "-p", port, "-U", user, "--if-exists", "--force", restored)

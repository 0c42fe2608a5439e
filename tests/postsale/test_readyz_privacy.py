"""/readyz answers anyone: when a check fails it names the check, never the server's address."""

import pytest
from django.db import OperationalError, connection

from postsale.celery import app as celery_app

PG_DOWN = (
    'connection to server at "db.internal.example" (10.0.0.5), port 5433 failed: '
    'FATAL: database "postsale_prod" does not exist'
)


@pytest.mark.django_db
def test_a_broker_failure_names_only_the_broker(client, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://ops:hunter2@127.0.0.1:1/7")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "ok", "broker": "error"}}
    body = response.content.decode()
    for secret in ("127.0.0.1", "hunter2", "ops", ":1", "redis"):
        assert secret not in body


@pytest.mark.django_db
def test_a_database_failure_names_only_the_database(client, monkeypatch, caplog):
    def refuse(*args, **kwargs):  # what psycopg says when PostgreSQL is unreachable
        raise OperationalError(PG_DOWN)

    monkeypatch.setattr(connection, "cursor", refuse)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "error", "broker": "ok"}}
    body = response.content.decode()
    for secret in ("db.internal", "10.0.0.5", "5433", "postsale_prod"):
        assert secret not in body
    assert "db.internal.example" in caplog.text  # the operator still finds the reason in the log

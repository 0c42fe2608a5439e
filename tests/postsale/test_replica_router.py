"""The reports read from the replica; a user who just wrote reads from the primary.

The "replica" alias is added when this module is collected, before the test databases are made,
as settings.py adds it from DATABASE_REPLICA_URL: a mirror of the default test database, so the
same rows are visible through both connections. Replica reads stay off (DATABASE_REPLICA_READS)
except in these tests, so nothing else in the suite touches the alias.
"""

import copy

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from postsale import db_router
from tests.customers.factories import CustomerFactory

if db_router.REPLICA not in connections.settings:
    replica = copy.deepcopy(connections.settings["default"])
    replica["TEST"] = {**replica.get("TEST", {}), "MIRROR": "default"}
    connections.settings[db_router.REPLICA] = replica
    django_settings.DATABASES[db_router.REPLICA] = replica

pytestmark = pytest.mark.django_db(databases=["default", db_router.REPLICA], transaction=True)


@pytest.fixture
def replica_on(settings):
    settings.DATABASE_REPLICA_READS = True
    settings.DATABASE_REPLICA_PIN_SECONDS = 10


def test_reports_page_reads_from_the_replica(replica_on, manager_client):
    CustomerFactory()
    with CaptureQueriesContext(connections[db_router.REPLICA]) as on_replica:
        response = manager_client.get("/reports/")
    assert response.status_code == 200
    assert len(on_replica) > 0


def test_the_metrics_api_reads_from_the_replica(replica_on, manager_client):
    CustomerFactory()
    with CaptureQueriesContext(connections[db_router.REPLICA]) as on_replica:
        response = manager_client.get("/api/v1/metrics/?start=2026-11-01&end=2026-12-01")
    assert response.status_code == 200 and "nps" in response.json()
    assert len(on_replica) > 0


def test_other_pages_and_writes_stay_on_the_primary(replica_on, manager_client):
    with CaptureQueriesContext(connections[db_router.REPLICA]) as on_replica:
        assert manager_client.get("/customers/").status_code == 200
    assert len(on_replica) == 0


def test_a_user_who_wrote_reads_reports_from_the_primary(replica_on, manager_client):
    response = manager_client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    assert response.cookies[db_router.PIN_COOKIE]["max-age"] == 10
    with CaptureQueriesContext(connections[db_router.REPLICA]) as on_replica:
        assert manager_client.get("/reports/").status_code == 200
    assert len(on_replica) == 0


def test_without_the_setting_nothing_reads_from_the_replica(manager_client):
    with CaptureQueriesContext(connections[db_router.REPLICA]) as on_replica:
        assert manager_client.get("/reports/").status_code == 200
    assert len(on_replica) == 0


def test_replica_reads_context_routes_a_read_and_never_a_write(replica_on):
    customer = CustomerFactory()
    with db_router.replica_reads():
        assert Customer.objects.filter(pk=customer.pk).db == db_router.REPLICA
        assert Customer.objects.get(pk=customer.pk).name == customer.name  # mirrored rows
        customer.name = "Otra"
        customer.save()
    assert Customer.objects.get(pk=customer.pk).name == "Otra"
    assert not db_router.ReplicaRouter().allow_migrate(db_router.REPLICA, "customers")

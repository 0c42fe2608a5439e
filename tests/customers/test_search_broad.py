"""A broad search is neither counted exactly nor sorted by name (both read every match): its
count stops past customers.search.BROAD and its matches come newest first, off the primary key.
On PostgreSQL the narrow search's name branch is served by the trigram index."""

import pytest
from django.db import connection
from django.urls import reverse

from customers import search
from customers.models import Customer
from customers.search import customer_search, fold, matches_at_most
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def make(name):
    return CustomerFactory(name=name, search_name=fold(name))


def test_a_broad_search_lists_the_newest_first_and_says_more_than(support_client, monkeypatch):
    monkeypatch.setattr(search, "BROAD", 3)
    diaz = [make(f"Ana Díaz {n}") for n in range(5)]
    make("Pablo Ruiz")

    response = support_client.get(reverse("customers:list") + "?q=diaz")

    # counted up to BROAD + 1 and no further, so the list ends there too
    assert response.context["paginator"].count == 4
    assert [c.pk for c in response.context["object_list"]] == [c.pk for c in reversed(diaz)][:4]
    assert "data-broad" in response.content.decode()


def test_a_narrow_search_stays_in_name_order_with_its_exact_count(support_client, monkeypatch):
    monkeypatch.setattr(search, "BROAD", 3)
    make("Zoe Díaz"), make("Ana Díaz"), make("Pablo Ruiz")

    response = support_client.get(reverse("customers:list") + "?q=diaz")

    assert [c.name for c in response.context["object_list"]] == ["Ana Díaz", "Zoe Díaz"]
    assert response.context["paginator"].count == 2 and "data-broad" not in response.content.decode()


def test_a_search_counts_its_matches_once(support_client, monkeypatch):
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(search, "BROAD", 3)
    for n in range(5):
        make(f"Ana Díaz {n}")

    with CaptureQueriesContext(connection) as ctx:
        response = support_client.get(reverse("customers:list") + "?q=diaz")

    counts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert len(counts) == 1, counts
    assert response.context["paginator"].count == 4 and len(response.context["object_list"]) == 4


def test_the_count_stops_past_the_cap():
    for n in range(6):
        make(f"Ana {n}")
    assert matches_at_most(Customer.objects.all(), 3) == 4
    assert matches_at_most(Customer.objects.all(), 10) == 6


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only")
def test_on_postgresql_the_name_search_can_use_the_trigram_index():
    make("Ana Díaz")
    sql, params = customer_search(Customer.objects.all(), "diaz")[:50].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "customer_search_name_trgm" in plan

"""ids_in: the same rows as pk__in, on SQLite and PostgreSQL, however many ids."""

import pytest

from customers.models import Customer
from postsale.lib.lookups import ids_in
from tests.customers.factories import CustomerFactory, SaleFactory


@pytest.fixture
def customers(db):
    return CustomerFactory.create_batch(5)


def pks(queryset):
    return sorted(queryset.values_list("pk", flat=True))


def test_ids_in_matches_pk_in(customers):
    wanted = [customers[0].pk, customers[3].pk, 10**12]  # an id of nobody matches nothing
    assert pks(Customer.objects.filter(ids_in("pk", wanted))) == sorted([customers[0].pk, customers[3].pk])
    assert pks(Customer.objects.exclude(ids_in("pk", wanted))) == sorted(
        c.pk for c in customers if c.pk not in wanted
    )


def test_an_empty_list_matches_nothing_and_excludes_nothing(customers):
    assert not Customer.objects.filter(ids_in("pk", [])).exists()
    assert Customer.objects.exclude(ids_in("pk", [])).count() == len(customers)


def test_a_related_id_and_a_generator(customers):
    from customers.models import Sale

    sale = SaleFactory(customer=customers[1])
    SaleFactory(customer=customers[2])
    found = Sale.objects.filter(ids_in("customer_id", (c.pk for c in customers[:2])))
    assert list(found) == [sale]


def test_the_sql_has_one_parameter_on_postgresql(customers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        list(Customer.objects.filter(ids_in("pk", [c.pk for c in customers])))
    sql = captured.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(ARRAY[" in sql or "= ANY('{" in sql
    else:
        assert sql.count(", ") >= len(customers) - 1 and " IN (" in sql

"""The bench shop (bench/generate.py, written in SQL) stores what the services would: the staff
search at a million customers is only measured honestly when its columns are filled as the
services fill them."""

import pytest

from customers.models import Customer
from customers.search import customer_search, digits, fold
from tests.services import require_postgres

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_generated_customers_carry_the_search_columns_the_services_would_store():
    require_postgres()
    from bench import generate

    generate.load(0, 300, progress=lambda *_: None)
    customers = list(Customer.objects.all())
    assert len(customers) == 300
    assert any(c.name != fold(c.name) for c in customers), "accented names are among them"
    for customer in customers:
        assert customer.search_name == fold(customer.name)
        assert customer.search_phone == digits(customer.phone)[:40]
    accented = next(c for c in customers if "á" in c.name or "é" in c.name or "í" in c.name)
    surname = accented.name.split()[-1]
    found = customer_search(Customer.objects.all(), surname.upper())
    assert accented in found, "an accented surname is found by name, whatever its case"

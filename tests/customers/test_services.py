"""customer_upsert and customer_update: how customers arrive from shops, imports and staff."""

import datetime as dt

import pytest

from customers.choices import Language
from customers.models import Customer
from customers.services import customer_update, customer_upsert
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_an_unknown_external_id_creates_the_customer():
    customer, created = customer_upsert(
        external_id="C-1",
        name="Lucía García",
        email="lucia@example.es",
        birth_date=dt.date(1990, 2, 28),
        language=Language.EN,
        unknown_field="ignored",
    )

    assert created is True
    stored = Customer.objects.get(external_id="C-1")
    assert stored == customer
    assert (stored.name, stored.email, stored.birth_date, stored.language) == (
        "Lucía García",
        "lucia@example.es",
        dt.date(1990, 2, 28),
        Language.EN,
    )
    assert stored.birthday_key == 228


@pytest.mark.parametrize(
    ("values", "name"),
    [
        ({"email": "ana@example.es"}, "ana@example.es"),
        ({}, "C-2"),
    ],
)
def test_a_new_customer_without_a_name_is_named_by_email_or_id(values, name):
    customer, _created = customer_upsert(external_id="C-2", **values)

    assert Customer.objects.get(pk=customer.pk).name == name


def test_a_known_customer_gets_only_the_fields_given():
    known = CustomerFactory(name="Ana Ruiz", email="ana@example.es", phone="600000000")

    customer, created = customer_upsert(external_id=known.external_id, phone="611111111")

    assert (created, customer.pk) == (False, known.pk)
    stored = Customer.objects.get(pk=known.pk)
    assert (stored.name, stored.email, stored.phone) == ("Ana Ruiz", "ana@example.es", "611111111")
    assert Customer.objects.count() == 1


def test_empty_values_do_not_erase_what_is_known():
    known = CustomerFactory(
        name="Ana Ruiz", email="ana@example.es", birth_date=dt.date(1985, 7, 4), time_zone="Europe/Madrid"
    )

    customer_upsert(external_id=known.external_id, name="", email=None, birth_date=None, time_zone="")

    stored = Customer.objects.get(pk=known.pk)
    assert (stored.name, stored.email, stored.birth_date, stored.time_zone) == (
        "Ana Ruiz",
        "ana@example.es",
        dt.date(1985, 7, 4),
        "Europe/Madrid",
    )
    assert stored.birthday_key == 704


def test_the_birthday_key_follows_a_changed_birth_date():
    known = CustomerFactory(birth_date=dt.date(1985, 7, 4))

    customer_upsert(external_id=known.external_id, birth_date=dt.date(1985, 12, 31))

    assert Customer.objects.get(pk=known.pk).birthday_key == 1231


def test_the_birthday_key_stays_when_other_fields_change():
    known = CustomerFactory(birth_date=dt.date(1985, 7, 4))

    customer_upsert(external_id=known.external_id, name="Otro Nombre")

    stored = Customer.objects.get(pk=known.pk)
    assert (stored.name, stored.birthday_key) == ("Otro Nombre", 704)


def test_the_same_values_again_write_nothing():
    known = CustomerFactory(name="Ana Ruiz")
    updated_at = known.updated_at

    customer_upsert(external_id=known.external_id, name="Ana Ruiz")

    assert Customer.objects.get(pk=known.pk).updated_at == updated_at


def test_a_staff_edit_follows_the_same_rules():
    known = CustomerFactory(email="ana@example.es")

    customer = customer_update(customer=known, email="", language=Language.EN)

    stored = Customer.objects.get(pk=known.pk)
    assert customer.pk == known.pk
    assert (stored.email, stored.language) == ("ana@example.es", Language.EN)

import datetime as dt

import pytest
import time_machine

from customers.choices import TimelineKind
from customers.models import Customer, TimelineEntry
from customers.services import consent_change, do_not_contact_set
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)


def reloaded(customer: Customer) -> Customer:
    return Customer.objects.get(pk=customer.pk)


@time_machine.travel(NOW, tick=False)
def test_given_consent_is_kept_with_when_and_how(support):
    customer = CustomerFactory(marketing_consent=False)

    consent_change(customer=customer, marketing_consent=True, source="checkout form", author=support)

    stored = reloaded(customer)
    assert (stored.marketing_consent, stored.consent_at, stored.consent_source) == (
        True,
        NOW,
        "checkout form",
    )
    entry = TimelineEntry.objects.get(customer=customer)
    assert (entry.kind, entry.author) == (TimelineKind.CONSENT, support)
    assert "checkout form" in entry.text


def test_withdrawn_consent_is_kept_with_when_and_how():
    customer = CustomerFactory(marketing_consent=True)

    with time_machine.travel(NOW, tick=False):
        consent_change(customer=customer, marketing_consent=False, source="unsubscribe link")

    stored = reloaded(customer)
    assert (stored.marketing_consent, stored.consent_at, stored.consent_source) == (
        False,
        NOW,
        "unsubscribe link",
    )
    assert TimelineEntry.objects.get(customer=customer).kind == TimelineKind.CONSENT


def test_a_long_consent_source_is_cut_to_fit():
    customer = CustomerFactory()

    consent_change(customer=customer, marketing_consent=True, source="x" * 150)

    assert reloaded(customer).consent_source == "x" * 100


@pytest.mark.parametrize("value", [True, False])
def test_do_not_contact_is_set_and_logged(support, value):
    customer = CustomerFactory(do_not_contact=not value)

    do_not_contact_set(customer=customer, value=value, author=support)

    assert reloaded(customer).do_not_contact is value
    entry = TimelineEntry.objects.get(customer=customer)
    assert (entry.kind, entry.author) == (TimelineKind.CONSENT, support)

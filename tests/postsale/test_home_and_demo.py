import pytest
from django.core.management import call_command

from customers.models import Complaint, Customer, Delivery, Sale


@pytest.mark.django_db
def test_seed_demo_loads_once_and_makes_both_logins(client):
    call_command("seed_demo", customers=40)
    counts = (Customer.objects.count(), Sale.objects.count(), Complaint.objects.count())
    assert counts[0] == 40 and counts[1] >= 40
    assert Delivery.objects.filter(status="delivered").exists()
    call_command("seed_demo", customers=40)
    assert (Customer.objects.count(), Sale.objects.count(), Complaint.objects.count()) == counts
    assert client.login(username="manager", password="demo-manager-2026")
    assert client.login(username="support", password="demo-support-2026")


@pytest.mark.django_db
def test_home_shows_the_demo_counts(client):
    call_command("seed_demo", customers=30)
    client.login(username="manager", password="demo-manager-2026")
    response = client.get("/")
    assert response.status_code == 200
    counts = response.context["counts"]
    assert counts["customers"] == 30
    assert counts["sales"] == Sale.objects.count()
    assert f'data-count="customers">{30}<' in response.content.decode()


def test_home_has_an_empty_state(manager_client):
    response = manager_client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert "No customers yet" in response.content.decode()


@pytest.mark.django_db
def test_demo_customers_have_plain_addresses_and_derived_stages():
    call_command("seed_demo", customers=40)
    assert all(email.isascii() for email in Customer.objects.values_list("email", flat=True))
    with_open_case = Customer.objects.filter(complaints__status="open").distinct()
    assert with_open_case.exists()
    assert set(with_open_case.values_list("lifecycle_stage", flat=True)) == {"at_risk"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "moment",
    ["2026-12-02T11:00:00+01:00", "2026-12-05T23:30:00+01:00", "2026-12-07T08:00:00+01:00"],
    ids=["weekday-morning", "saturday-night", "monday-before-opening"],
)
def test_the_demo_queues_have_breached_due_soon_and_fresh_cases_whenever_it_starts(moment):
    import datetime as dt

    import time_machine
    from django.contrib.auth.models import User

    from customers import services
    from customers.choices import Reason, Severity
    from customers.demo import _demo_opened_at
    from support.selectors import queue_counts
    from tests.customers.factories import CustomerFactory

    with time_machine.travel(dt.datetime.fromisoformat(moment), tick=False):
        now = dt.datetime.fromisoformat(moment)
        for state in ("breached", "due_soon", "fresh"):
            for severity in Severity.values:
                services.complaint_open(
                    customer=CustomerFactory(),
                    reason=Reason.OTHER,
                    severity=severity,
                    opened_at=_demo_opened_at(state, severity, now),
                )
        counts = queue_counts(user=User.objects.create_user("agent"))
    n = len(Severity.values)
    assert (counts["breached"], counts["due_soon"], counts["open"]) == (n, n, 3 * n)

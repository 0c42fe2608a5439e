"""The admin is one more edge: what staff change there plans follow-ups like the API does."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.choices import ComplaintStatus
from customers.models import Complaint, TimelineEntry
from followups.models import FollowupRules, Kind, Message
from tests.customers.factories import ComplaintFactory, CustomerFactory, DeliveryFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the services' on_commit effects run


@pytest.fixture
def rules():
    rules = FollowupRules.current()
    rules.quiet_hours_start = rules.quiet_hours_end = 0
    rules.save()
    return rules


def delivery_form(delivery, **changes):
    data = {
        "sale": delivery.sale_id,
        "carrier": delivery.carrier,
        "tracking_number": "T-1",
        "status": delivery.status,
        "delay_reason": "",
        "promised_date": delivery.promised_date.isoformat() if delivery.promised_date else "",
    }
    data.update(changes)
    return data


def test_a_delivery_marked_delivered_in_the_admin_plans_tips_and_a_survey(admin_client, admin_user, rules):
    delivery = DeliveryFactory(
        sale__ordered_at=timezone.now() - dt.timedelta(days=2),
        status="in_transit",
        promised_date=timezone.localdate(),
    )
    now = timezone.localtime()
    response = admin_client.post(
        reverse("admin:customers_delivery_change", args=[delivery.pk]),
        delivery_form(
            delivery,
            status="delivered",
            delivered_at_0=now.date().isoformat(),
            delivered_at_1=now.strftime("%H:%M:%S"),
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    kinds = set(Message.objects.filter(sale=delivery.sale).values_list("kind", flat=True))
    assert {Kind.USAGE_TIPS, Kind.SURVEY} <= kinds
    entry = TimelineEntry.objects.filter(sale=delivery.sale, kind="delivery").latest("id")
    assert entry.author == admin_user


def test_a_delay_entered_in_the_admin_plans_a_delay_notice(admin_client, rules):
    delivery = DeliveryFactory(
        sale__ordered_at=timezone.now() - dt.timedelta(days=1),
        status="in_transit",
        promised_date=timezone.localdate() + dt.timedelta(days=1),
    )
    later = timezone.localdate() + dt.timedelta(days=4)
    response = admin_client.post(
        reverse("admin:customers_delivery_change", args=[delivery.pk]),
        delivery_form(delivery, status="delayed", delay_reason="weather", estimated_date=later.isoformat()),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    notice = Message.objects.get(kind=Kind.DELAY_NOTICE, sale=delivery.sale)
    assert notice.data["new_date"] == later.isoformat()


def test_a_case_resolved_in_the_admin_plans_its_case_survey(admin_client, rules):
    case = ComplaintFactory(customer=CustomerFactory(), status=ComplaintStatus.IN_PROGRESS)
    data = {
        "customer": case.customer_id,
        "reason": case.reason,
        "severity": case.severity,
        "status": "resolved",
        "source": case.source,
        "description": "",
        "compensation_kind": "",
        "compensation_amount": "",
        "resolution_note": "Repuesto",
        "sale": "",
        "assignee": "",
    }
    response = admin_client.post(reverse("admin:customers_complaint_change", args=[case.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = Complaint.objects.get(pk=case.pk)
    assert stored.status == ComplaintStatus.RESOLVED and stored.resolved_at is not None
    assert stored.resolution_note == "Repuesto"
    assert Message.objects.filter(kind=Kind.CASE_SURVEY, complaint=case).exists()

"""A customer answers a delay notice and unsubscribes in a real browser (headless Chromium)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from customers import services
from customers.choices import ComplaintSource
from customers.models import Complaint
from followups.dispatch import dispatch_due
from followups.models import FollowupRules, Kind, Message, Suppression
from tests.browser import chromium_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def delay_notice_mail(settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    mail.outbox = []
    rules = FollowupRules.current()
    rules.quiet_hours_start = rules.quiet_hours_end = 0
    rules.save()
    today = timezone.localdate()
    customer, _ = services.customer_upsert(external_id="B-2", name="Lucía Gómez", email="lucia@example.es")
    sale = services.sale_record(
        external_id="ORD-B-2",
        customer=customer,
        ordered_at=timezone.now() - dt.timedelta(days=2),
        lines=[services.LineData(name="Cafetera", quantity=1, unit_price=Decimal("89"))],
        delivery={"promised_date": today + dt.timedelta(days=1), "status": "in_transit"},
    ).sale
    services.delivery_update(
        delivery=sale.delivery,
        status="delayed",
        delay_reason="weather",
        estimated_date=today + dt.timedelta(days=4),
    )
    from followups.planner import plan_for_deliveries

    plan_for_deliveries([sale.delivery.pk])
    dispatch_due()
    # Lucía reads it a few minutes later (a POST seconds after delivery is a scanner's).
    Message.objects.filter(kind=Kind.DELAY_NOTICE).update(sent_at=timezone.now() - dt.timedelta(minutes=5))
    (notice,) = [m for m in mail.outbox if "más tarde" in m.subject]
    return notice, sale


def test_a_customer_asks_to_cancel_a_late_order_from_the_mail(site, settings):
    notice, sale = delay_notice_mail(settings)
    html = notice.alternatives[0][0]
    delay_url = re.search(r'href="([^"]+/c/d/[^"]+/)"', html).group(1)
    with chromium_page() as page:
        page.goto(delay_url)
        assert "ORD-B-2" in page.inner_text("h1")
        page.click('button[value="cancel"]')
        page.click("#confirm-cancel button.danger")  # one tap only asks
        page.wait_for_url(re.compile(r".*answered=1$"))
        confirmation = page.inner_text("main")
    assert "cancelar" in confirmation.lower()
    case = Complaint.objects.get()
    assert case.source == ComplaintSource.DELAY_NOTICE and case.sale_id == sale.pk
    assert Message.objects.get(kind=Kind.DELAY_NOTICE).data["choice"] == "cancel"


def test_a_customer_unsubscribes_from_the_mail_link(site, settings):
    notice, sale = delay_notice_mail(settings)
    url = re.search(r"<([^>]+)>", notice.extra_headers["List-Unsubscribe"]).group(1)
    with chromium_page() as page:
        page.goto(url)
        page.click("button.primary")
        page.wait_for_load_state()
        text = page.inner_text("main")
    assert "baja" in text.lower() or "unsubscribed" in text.lower()
    assert set(Suppression.objects.values_list("category", flat=True)) == {
        "relationship",
        "survey",
        "promotional",
    }

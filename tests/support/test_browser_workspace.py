"""The issue's "done when", in a real browser (headless Chromium): a support user takes the next
case, replies, the customer's e-mailed answer threads back onto the same case and restarts its
next-response clock, the user notes, compensates, resolves, and sees the queue change; a
customer stored as "Díaz" is found by "diaz"."""

import base64
import json
import re
import urllib.request
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from customers import services
from customers.choices import ComplaintStatus, Severity, TimelineKind
from customers.models import Complaint, SlaLedgerEntry
from followups.models import FollowupRules, Kind, Message
from followups.threading import case_reply_address
from tests.browser import chromium_page
from tests.conftest import make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SECRET = "postsale:change-me"


def shop_with_two_cases():
    rules = FollowupRules.current()
    rules.quiet_hours_start = rules.quiet_hours_end = 0
    rules.save()
    customer, _ = services.customer_upsert(external_id="C-1", name="Ana Díaz", email="ana@example.com")
    sale = services.sale_record(
        external_id="ORD-77",
        customer=customer,
        ordered_at=timezone.now(),
        lines=[services.LineData(name="Cafetera", quantity=1, unit_price=Decimal("89"))],
        delivery={"carrier": "SEUR", "tracking_number": "TRK1"},
    ).sale
    urgent = services.complaint_open(
        customer=customer, sale=sale, reason="delivery_damaged", severity=Severity.CRITICAL
    )
    services.complaint_open(customer=customer, reason="other", severity=Severity.LOW)
    return urgent


def post_inbound(site: str, to: str) -> None:
    payload = {
        "FromName": "Ana",
        "MessageStream": "inbound",
        "From": "ana@example.com",
        "FromFull": {"Email": "ana@example.com", "Name": "Ana", "MailboxHash": ""},
        "To": to,
        "ToFull": [{"Email": to, "Name": "", "MailboxHash": ""}],
        "Cc": "",
        "CcFull": [],
        "Subject": "Re: tu consulta",
        "TextBody": "Gracias, pero la caja venía abierta.",
        "HtmlBody": "",
        "Headers": [],
        "Attachments": [],
        "MessageID": "x-1",
        "Date": "Tue, 10 Mar 2026 12:30:00 +0100",
    }
    request = urllib.request.Request(
        site + "/anymail/postmark/inbound/",
        data=json.dumps(payload).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": "Basic " + base64.b64encode(SECRET.encode()).decode(),
        },
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310 - our own live server
        assert response.status == 200


def count(page, view: str) -> int:
    return int(page.inner_text(f'[data-count="{view}"]'))


def test_take_reply_thread_note_compensate_resolve_and_search(site, settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.WEBHOOK_ESPS = ["postmark"]  # only configured ESPs' webhooks answer
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}
    mail.outbox = []
    urgent = shop_with_two_cases()
    make_staff("sergio", "Support")
    plus_address = case_reply_address(urgent.pk)

    with chromium_page() as page:
        page.goto(site + "/accounts/login/")
        page.fill("#id_username", "sergio")
        page.fill("#id_password", "pw-sergio")
        page.click("button.primary")
        page.wait_for_url(re.compile(r".*/support/$"))
        assert (count(page, "unassigned"), count(page, "open")) == (2, 2)

        page.click('[data-action="take-next"]')
        page.wait_for_url(re.compile(rf".*/support/cases/{urgent.pk}/$"))
        assert "ORD-77" in page.inner_text("main")

        page.fill('[data-form="reply"] textarea', "Hola Ana, te enviamos otra hoy mismo.")
        page.click('[data-action="preview"]')
        page.wait_for_selector("[data-preview]")
        assert "te enviamos otra" in page.inner_text("#reply-preview")
        page.check('[data-form="reply"] input[type="checkbox"]')
        page.click('[data-form="reply"] button[type="submit"]')
        page.wait_for_selector('[data-status="waiting_customer"]')

        post_inbound(site, plus_address)
        page.reload()
        page.wait_for_selector('[data-kind="reply"]')
        assert "la caja venía abierta" in page.inner_text(".thread")
        assert page.is_visible('[data-clock="next_response"]')
        assert page.get_attribute("[data-status]", "data-status") == "in_progress"

        page.fill('[data-form="note"] textarea', "Pedir foto de la caja")
        page.click('[data-form="note"] button[type="submit"]')
        page.wait_for_selector('[data-kind="note"]')

        page.select_option('[data-form="compensate"] select', "voucher")
        page.fill('[data-form="compensate"] input[name="amount"]', "15")
        page.click('[data-form="compensate"] button[type="submit"]')
        page.wait_for_selector("[data-compensation]")

        page.fill('[data-form="resolve"] textarea', "Reenviada y vale de 15 €")
        page.click('[data-form="resolve"] button[type="submit"]')
        page.wait_for_selector('[data-status="resolved"]')

        page.goto(site + "/support/?view=open")
        assert count(page, "open") == 1
        assert page.query_selector(f'[data-case="{urgent.pk}"]') is None

        page.goto(site + "/customers/?q=diaz")
        assert "Ana Díaz" in page.inner_text("main")

    urgent.refresh_from_db()
    assert (urgent.status, urgent.compensation_kind, urgent.compensation_amount) == (
        ComplaintStatus.RESOLVED,
        "voucher",
        Decimal("15.00"),
    )
    assert urgent.timeline.filter(kind=TimelineKind.REPLY).count() == 1
    assert Message.objects.get(kind=Kind.CASE_REPLY).state == "sent"
    (reply,) = [m for m in mail.outbox if "te enviamos otra" in m.body]
    assert reply.reply_to == [plus_address]
    assert SlaLedgerEntry.objects.filter(complaint=urgent, clock="resolution", met=True).exists()
    assert Complaint.objects.unresolved().count() == 1

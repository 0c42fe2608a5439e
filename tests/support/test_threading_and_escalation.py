"""Replies find the case they answer; breached cases are escalated once; search folds accents."""

import base64
import datetime as dt
import json

import pytest
import time_machine
from django.urls import reverse

from customers.choices import ComplaintStatus, TimelineKind
from customers.models import Complaint, SlaLedgerEntry
from customers.services import complaint_respond
from followups.dispatch import dispatch_due
from followups.models import Kind, Message
from followups.threading import case_reply_address
from support.models import Notification
from support.services import case_reply_send, sla_escalation_sweep
from tests.conftest import make_staff
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
SECRET = "postsale:change-me"


def inbound(client, *, to="soporte@postsale.example", headers=(), sender="ana@example.com"):
    payload = {
        "FromName": "Ana",
        "MessageStream": "inbound",
        "From": sender,
        "FromFull": {"Email": sender, "Name": "Ana", "MailboxHash": ""},
        "To": to,
        "ToFull": [{"Email": to, "Name": "", "MailboxHash": ""}],
        "Cc": "",
        "CcFull": [],
        "Bcc": "",
        "BccFull": [],
        "OriginalRecipient": to,
        "Subject": "Re: tu consulta",
        "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
        "ReplyTo": "",
        "MailboxHash": "",
        "Date": "Tue, 10 Mar 2026 12:30:00 +0100",
        "TextBody": "Sigue sin llegar.",
        "HtmlBody": "",
        "StrippedTextReply": "",
        "Tag": "",
        "Headers": [{"Name": k, "Value": v} for k, v in headers],
        "Attachments": [],
    }
    auth = "Basic " + base64.b64encode(SECRET.encode()).decode()
    response = client.post(
        "/anymail/postmark/inbound/",
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
    )
    assert response.status_code == 200


@pytest.fixture
def two_cases(shop, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}
    settings.WEBHOOK_ESPS = ["postmark"]  # only configured ESPs' webhooks answer
    ana = shop.customer(email="ana@example.com")
    waiting = shop.open_case(ana)
    complaint_respond(complaint=waiting, message="¿Dirección?", waiting_customer=True)
    newer = shop.open_case(ana)
    return waiting, newer


def test_a_reply_to_the_plus_address_lands_on_that_case(client, two_cases):
    waiting, newer = two_cases
    inbound(client, to=case_reply_address(newer.pk))
    assert Complaint.objects.get(pk=newer.pk).timeline.filter(kind=TimelineKind.REPLY).exists()
    assert not waiting.timeline.filter(kind=TimelineKind.REPLY).exists()


def test_a_forged_plus_address_is_not_trusted(client, two_cases):
    waiting, newer = two_cases
    inbound(client, to=f"soporte+case-{newer.pk}-000000000000@postsale.example")
    # No valid reference: the case waiting for the customer takes it, not the one named.
    assert waiting.timeline.filter(kind=TimelineKind.REPLY).exists()


def test_a_reply_naming_our_message_id_lands_on_its_case(client, two_cases, outbox_mail):
    waiting, newer = two_cases
    message = case_reply_send(complaint=Complaint.objects.get(pk=newer.pk), text="Hola", author=None)
    dispatch_due()
    inbound(client, headers=[("In-Reply-To", f"<postsale-{message.pk}@127.0.0.1>")])
    assert Complaint.objects.get(pk=newer.pk).timeline.filter(kind=TimelineKind.REPLY).exists()


def test_without_a_reference_the_waiting_case_wakes_not_the_newest(client, two_cases):
    waiting, newer = two_cases
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC), tick=False):
        inbound(client)
    waiting.refresh_from_db()
    assert waiting.status == ComplaintStatus.IN_PROGRESS
    assert waiting.awaiting_reply_since is not None
    assert waiting.next_due_clock == "next_response"
    assert waiting.timeline.filter(kind=TimelineKind.REPLY).exists()


def test_a_reply_matching_no_case_opens_one(client, shop, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}
    settings.WEBHOOK_ESPS = ["postmark"]  # only configured ESPs' webhooks answer
    ana = shop.customer(email="ana@example.com")
    inbound(client)
    case = Complaint.objects.get(customer=ana)
    assert case.source == "email" and case.awaiting_reply_since is not None
    assert case.timeline.filter(kind=TimelineKind.REPLY).exists()


def test_a_breach_escalates_once_to_the_assignee_and_the_managers(
    shop, mailoutbox, django_capture_on_commit_callbacks
):
    agent = make_staff("sergio", "Support")
    boss = make_staff("marta", "Manager")
    agent.email, boss.email = "sergio@shop.example", "marta@shop.example"
    agent.save()
    boss.save()
    opened = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)  # Tuesday 09:00 Madrid
    with time_machine.travel(opened, tick=False):
        case = shop.open_case(shop.customer())
        case.assignee = agent
        case.save(update_fields=["assignee"])  # test set-up: who to tell
    before = opened + dt.timedelta(hours=3, minutes=59)  # first response due at 13:00
    assert sla_escalation_sweep(now=before) == 0
    after = opened + dt.timedelta(hours=4, minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_escalation_sweep(now=after) == 1
    assert sla_escalation_sweep(now=after + dt.timedelta(minutes=5)) == 0
    entry = SlaLedgerEntry.objects.get(complaint=case)
    assert (entry.clock, entry.breached_at) == ("first_response", after)
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"sergio", "marta"}
    assert len(mailoutbox) == 1
    assert set(mailoutbox[0].to) == {"sergio@shop.example", "marta@shop.example"}
    assert f"#{case.pk}" in mailoutbox[0].subject
    assert case.timeline.filter(at=after).count() == 1  # the breach, once, on the thread


def test_diaz_finds_diaz_with_its_accent_on_the_page_and_in_the_api(support_client, support):
    diaz = CustomerFactory(name="Lucía Díaz Peña", email="lucia@example.es")
    CustomerFactory(name="Pedro Gómez")
    response = support_client.get(reverse("customers:list") + "?q=diaz")
    assert [c.pk for c in response.context["object_list"]] == [diaz.pk]
    response = support_client.get(reverse("customers:list") + "?q=PENA")
    assert [c.pk for c in response.context["object_list"]] == [diaz.pk]
    api = support_client.get("/api/v1/customers/?search=diaz")
    assert [row["id"] for row in api.json()["results"]] == [diaz.pk]


def test_search_by_part_of_the_email_phone_and_order(support_client, shop):
    ana = shop.customer(name="Ana", email="ana.lopez@correo.es", phone="+34 612 345 678")
    sale = shop.sale(ana)
    for query in ("lopez@corr", "612345678", sale.external_id):
        response = support_client.get(reverse("customers:list") + f"?q={query}")
        assert [c.pk for c in response.context["object_list"]] == [ana.pk], query


def test_case_replies_are_transactional_and_threaded(shop, outbox_mail):
    case = shop.open_case(shop.customer(email="ana@example.com"))
    case_reply_send(complaint=case, text="Hola", author=None)
    dispatch_due()
    assert Message.objects.get(kind=Kind.CASE_REPLY).state == "sent"
    assert outbox_mail[-1].reply_to == [case_reply_address(case.pk)]


def test_customers_from_the_csv_import_are_found_without_their_accents(
    support_client, django_capture_on_commit_callbacks
):
    from pathlib import Path

    from customers.importing import sales_import

    sample = Path(__file__).resolve().parent.parent / "customers" / "data" / "sales_sample.csv"
    with django_capture_on_commit_callbacks(execute=True):
        sales_import(sample)
    response = support_client.get(reverse("customers:list") + "?q=maria garcia")
    assert [c.name for c in response.context["object_list"]] == ["María García"]
    response = support_client.get(reverse("customers:list") + "?q=600111222")
    assert [c.name for c in response.context["object_list"]] == ["María García"]

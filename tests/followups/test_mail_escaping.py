"""Subjects and text bodies carry the customer's characters as they are; only HTML escapes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from customers import services
from followups import emails
from followups.dispatch import dispatch_due, message_token
from followups.models import CUSTOMER_KINDS, Kind, Message, MessageTemplate
from followups.outbox import message_plan

# Every character HTML would escape: & < > and the apostrophe.
TRICKY = "Zoë&<O'Brien>"
ESCAPED = "Zoë&amp;&lt;O&#x27;Brien&gt;"
HTML_ENTITIES = ("&amp;", "&lt;", "&gt;", "&#x27;", "&quot;")


def record_sale(name, *, language="en", external_id="A&B-1"):
    customer, _ = services.customer_upsert(
        external_id=f"C-{name}", name=name, language=language, email="sean@example.com"
    )
    today = timezone.localdate()
    sale = services.sale_record(
        external_id=external_id,
        customer=customer,
        ordered_at=timezone.now(),
        lines=[services.LineData(name="Cafetera", category="hogar", quantity=1, unit_price=Decimal("49.90"))],
        delivery={"promised_date": today + dt.timedelta(days=1), "status": "in_transit"},
    ).sale
    return customer, sale


def planned(kind, customer, sale):
    complaint = None
    if kind == Kind.CASE_SURVEY:
        complaint = services.complaint_open(customer=customer, sale=sale, reason="delivery_late")
    now = timezone.now()
    return message_plan(
        kind=kind,
        customer_id=customer.pk,
        dedupe_key=f"test:{kind}",
        planned_at=now,
        expires_at=now + dt.timedelta(days=1),
        sale_id=sale.pk,
        complaint_id=complaint.pk if complaint else None,
        data={"new_date": None, "offer": ""},
    )


def test_a_sent_thank_you_keeps_the_raw_characters_in_subject_and_text(
    rules, outbox_mail, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the sale's event plans the mail
        record_sale("Seán O'Brien <x>")
    dispatch_due()
    (mail,) = outbox_mail
    assert mail.subject == "Thank you for your order A&B-1, Seán!"
    assert "your order A&B-1 and" in mail.body and "&amp;" not in mail.body
    html = mail.alternatives[0][0]
    assert "A&amp;B-1" in html and "A&B-1" not in html
    stored = Message.objects.get()
    assert stored.subject == mail.subject and "A&B-1" in stored.text_body


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("kind", [k.value for k in CUSTOMER_KINDS])
def test_every_shipped_kind_escapes_only_its_html_part(db, kind, language):
    customer, sale = record_sale(TRICKY, language=language)
    message = Message.objects.select_related("customer", "sale").get(pk=planned(kind, customer, sale).pk)
    rendered = emails.render(message, message_token(message), overrides={})
    subject_source = emails.shipped_template(kind, language)["subject"]
    assert ("first_name" in subject_source) == (TRICKY in rendered.subject)
    assert ("sale.external_id" in subject_source) == ("A&B-1" in rendered.subject)
    assert TRICKY in rendered.text
    for entity in HTML_ENTITIES:
        assert entity not in rendered.subject and entity not in rendered.text
    assert ESCAPED in rendered.html and TRICKY not in rendered.html


@pytest.mark.parametrize("html_body", ["", "<p>{{ customer.name }} · {{ sale.external_id }}</p>"])
def test_an_override_escapes_only_its_html_part(db, html_body):
    customer, sale = record_sale("Seán O'Brien <x>")
    MessageTemplate.objects.create(
        kind=Kind.THANK_YOU,
        language="en",
        html_body=html_body,
        subject="Thank you for your order {{ sale.external_id }}, {{ customer.name }}!",
        text_body="Dear {{ customer.name }}, order {{ sale.external_id }} is on its way.",
    )
    message = Message.objects.select_related("customer", "sale").get(
        pk=planned(Kind.THANK_YOU, customer, sale).pk
    )
    rendered = emails.render(message, message_token(message))
    assert rendered.subject == "Thank you for your order A&B-1, Seán O'Brien <x>!"
    assert rendered.text.startswith("Dear Seán O'Brien <x>, order A&B-1 is on its way.")
    assert "Seán O&#x27;Brien &lt;x&gt;" in rendered.html and "A&amp;B-1" in rendered.html
    assert "<x>" not in rendered.html and "A&B-1" not in rendered.html


def test_the_html_fallback_of_an_override_escapes_the_text_once_and_links_its_urls(db):
    customer, sale = record_sale("Ana <b>")
    template = MessageTemplate(
        kind=Kind.THANK_YOU,
        language="en",
        subject="x",
        html_body="",
        text_body="Hi {{ customer.name }}: {{ order_url }}",
    )
    message = Message.objects.select_related("customer", "sale").get(
        pk=planned(Kind.THANK_YOU, customer, sale).pk
    )
    rendered = emails.render(message, "tok", overrides={(Kind.THANK_YOU, "en"): template})
    assert "Hi Ana &lt;b&gt;:" in rendered.html and "&amp;lt;" not in rendered.html
    assert '/c/o/tok/">http' in rendered.html

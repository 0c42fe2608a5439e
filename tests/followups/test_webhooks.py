"""ESP webhooks through django-anymail, with the payloads Postmark and Mailjet document."""

import base64
import datetime as dt
import json

import pytest
from django.utils import timezone

from customers.choices import ComplaintStatus, TimelineKind
from followups.dispatch import dispatch_due
from followups.models import Kind, Message, MessageEvent, State, Suppression

SECRET = "postsale:change-me"


def auth(secret=SECRET):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


@pytest.fixture
def sent(shop, outbox_mail, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}
    settings.WEBHOOK_ESPS = ["postmark", "mailjet"]  # only these ESPs' webhooks answer
    shop.sale(shop.customer(email="ana@example.com"), delivery={"promised_date": timezone.localdate()})
    dispatch_due()
    message = Message.objects.get(kind=Kind.THANK_YOU)
    Message.objects.filter(pk=message.pk).update(esp_message_id="883953f4-6105-42a2-a16a-77a8eac79483")
    message.refresh_from_db()
    assert message.state == State.SENT
    return message


def postmark(client, payload, secret=SECRET):
    return client.post(
        "/anymail/postmark/tracking/", json.dumps(payload), content_type="application/json", **auth(secret)
    )


def mailjet(client, events):
    return client.post(
        "/anymail/mailjet/tracking/", json.dumps(events), content_type="application/json", **auth()
    )


MAILJET_ID = 19421777396190490


def mailjet_event(event, **extra):
    return {
        "event": event,
        "time": 1773144000,
        "MessageID": MAILJET_ID,
        "Message_GUID": "1ab23cd4-e567-8901-2345-6789f0gh1i2j",
        "email": "ana@example.com",
        "mj_campaign_id": 0,
        "mj_contact_id": 0,
        "customcampaign": "",
        "CustomID": "",
        "Payload": "",
        **extra,
    }


POSTMARK_DELIVERY = {
    "RecordType": "Delivery",
    "ServerID": 23,
    "MessageStream": "outbound",
    "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
    "Recipient": "ana@example.com",
    "Tag": "thank_you",
    "DeliveredAt": "2026-03-10T12:01:00Z",
    "Details": "Test delivery webhook details",
    "Metadata": {},
}
POSTMARK_HARD_BOUNCE = {
    "RecordType": "Bounce",
    "ID": 4323372036854775807,
    "Type": "HardBounce",
    "TypeCode": 1,
    "Name": "Hard bounce",
    "Tag": "thank_you",
    "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
    "ServerID": 23,
    "MessageStream": "outbound",
    "Description": "The server was unable to deliver",
    "Details": "smtp;550 5.1.1 The email account does not exist",
    "Email": "ana@example.com",
    "From": "hola@postsale.example",
    "BouncedAt": "2026-03-10T12:02:00Z",
    "Inactive": True,
    "CanActivate": True,
    "Subject": "Gracias",
    "Metadata": {},
}
POSTMARK_SPAM = {
    **POSTMARK_HARD_BOUNCE,
    "Type": "SpamComplaint",
    "TypeCode": 512,
    "RecordType": "SpamComplaint",
    "ID": 4323372036854775808,
}


def test_a_delivery_event_lands_on_its_message(client, sent):
    assert postmark(client, POSTMARK_DELIVERY).status_code == 200
    event = MessageEvent.objects.get(message=sent, event="delivered")
    assert event.at == dt.datetime(2026, 3, 10, 12, 1, tzinfo=dt.UTC)
    assert not Suppression.objects.exists()


def test_a_delivery_event_faster_than_the_sending_batch_lands_on_its_mail(
    client, shop, outbox_mail, settings
):
    """The ESP reports the delivery while the sending batch is still at work (its mark written,
    its record not yet), and the event carries no metadata: the mark's ESP id finds the mail."""
    from django.core.mail import get_connection

    from followups import dispatch

    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}
    settings.WEBHOOK_ESPS = ["postmark"]
    shop.sale(shop.customer(email="ana@example.com"), delivery={"promised_date": timezone.localdate()})
    message = Message.objects.get(kind=Kind.THANK_YOU)
    dispatch.claim(now=timezone.now())
    claimed = Message.objects.select_related("customer", "sale", "complaint").get(pk=message.pk)
    with get_connection() as esp:
        dispatch.send(claimed, connection=esp, now=timezone.now(), record=dispatch.BatchRecord())
    mark = message.send_mark
    assert mark.esp_message_id, "anymail's test backend gives every mail an id"
    payload = {**POSTMARK_DELIVERY, "MessageID": mark.esp_message_id, "Metadata": {}}

    assert postmark(client, payload).status_code == 200

    assert MessageEvent.objects.filter(message=message, event="delivered").count() == 1


def test_a_webhook_without_the_shared_secret_is_refused(client, sent):
    assert postmark(client, POSTMARK_HARD_BOUNCE, secret="someone:else").status_code in (400, 401, 403)
    assert not Suppression.objects.exists()
    assert not MessageEvent.objects.filter(event="bounced").exists()


def test_a_hard_bounce_suppresses_the_address_at_once(client, sent):
    assert postmark(client, POSTMARK_HARD_BOUNCE).status_code == 200
    assert Suppression.objects.get(email="ana@example.com", category="").reason == "hard_bounce"
    assert postmark(client, POSTMARK_HARD_BOUNCE).status_code == 200  # re-sent by the ESP
    assert MessageEvent.objects.filter(event="bounced").count() == 1


def test_soft_bounces_suppress_only_after_the_limit(client, sent, rules):
    rules.soft_bounce_limit = 3
    rules.save()
    for n in range(2):
        postmark(client, {**POSTMARK_HARD_BOUNCE, "Type": "SoftBounce", "TypeCode": 4096, "ID": n})
    assert not Suppression.objects.exists()
    postmark(client, {**POSTMARK_HARD_BOUNCE, "Type": "SoftBounce", "TypeCode": 4096, "ID": 99})
    assert Suppression.objects.get(email="ana@example.com").reason == "soft_bounces"


def test_a_spam_complaint_suppresses_everything(client, sent):
    postmark(client, POSTMARK_SPAM)
    assert Suppression.objects.get(email="ana@example.com", category="").reason == "spam_complaint"


def test_mailjet_events_open_click_and_unsubscribe(client, sent):
    Message.objects.filter(pk=sent.pk).update(esp_message_id=str(MAILJET_ID))
    events = [
        mailjet_event("open", ip="127.0.0.1", geo="ES", agent="Mozilla/5.0"),
        mailjet_event(
            "click", url="https://shop.example/tips", ip="127.0.0.1", geo="ES", agent="Mozilla/5.0"
        ),
        mailjet_event("unsub", mj_list_id=0, ip="127.0.0.1", geo="ES", agent="Mozilla/5.0"),
    ]
    assert mailjet(client, events).status_code == 200
    assert set(MessageEvent.objects.filter(message=sent).values_list("event", flat=True)) >= {
        "opened",
        "clicked",
        "unsubscribed",
    }
    # The thank-you is transactional: leaving it means leaving every optional category.
    assert set(Suppression.objects.values_list("category", flat=True)) == {
        "relationship",
        "survey",
        "promotional",
    }


def test_a_mailjet_hard_bounce_suppresses_and_a_soft_one_only_counts(client, sent, rules):
    Message.objects.filter(pk=sent.pk).update(esp_message_id=str(MAILJET_ID))
    rules.soft_bounce_limit = 2
    rules.save()
    soft = mailjet_event(
        "bounce", blocked=False, hard_bounce=False, error_related_to="recipient", error="mailbox inactive"
    )
    mailjet(client, [soft])
    assert not Suppression.objects.exists()
    mailjet(client, [soft])
    assert Suppression.objects.get().reason == "soft_bounces"
    Suppression.objects.all().delete()
    mailjet(
        client,
        [
            mailjet_event(
                "bounce", blocked=False, hard_bounce=True, error_related_to="recipient", error="user unknown"
            )
        ],
    )
    assert Suppression.objects.get(email="ana@example.com", category="").reason == "hard_bounce"


def test_a_mailjet_spam_report_suppresses_everything(client, sent):
    Message.objects.filter(pk=sent.pk).update(esp_message_id=str(MAILJET_ID))
    mailjet(client, [mailjet_event("spam", source="JMRPP")])
    assert Suppression.objects.get(email="ana@example.com", category="").reason == "spam_complaint"


POSTMARK_INBOUND = {
    "FromName": "Ana Pérez",
    "MessageStream": "inbound",
    "From": "ana@example.com",
    "FromFull": {"Email": "ana@example.com", "Name": "Ana Pérez", "MailboxHash": ""},
    "To": "soporte@postsale.example",
    "ToFull": [{"Email": "soporte@postsale.example", "Name": "", "MailboxHash": ""}],
    "Cc": "",
    "CcFull": [],
    "Bcc": "",
    "BccFull": [],
    "OriginalRecipient": "soporte@postsale.example",
    "Subject": "Re: Tu pedido",
    "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
    "ReplyTo": "",
    "MailboxHash": "",
    "Date": "Tue, 10 Mar 2026 12:30:00 +0100",
    "TextBody": "Sigo sin recibir el paquete.",
    "HtmlBody": "<p>Sigo sin recibir el paquete.</p>",
    "StrippedTextReply": "Sigo sin recibir el paquete.",
    "Tag": "",
    "Headers": [{"Name": "X-Spam-Status", "Value": "No"}],
    "Attachments": [],
}


def test_a_reply_lands_on_the_timeline_and_wakes_the_waiting_case(client, sent, shop):
    from customers import services

    case = shop.open_case(sent.customer)
    services.complaint_respond(complaint=case, message="¿Nos confirmas la dirección?", waiting_customer=True)
    response = client.post(
        "/anymail/postmark/inbound/", json.dumps(POSTMARK_INBOUND), content_type="application/json", **auth()
    )
    assert response.status_code == 200
    reply = sent.customer.timeline.get(kind=TimelineKind.REPLY)
    assert reply.text == "Re: Tu pedido" and "Sigo sin recibir" in reply.body
    case.refresh_from_db()
    assert case.status == ComplaintStatus.IN_PROGRESS and reply.complaint == case


def test_a_reply_from_a_stranger_changes_nothing(client, sent):
    payload = {
        **POSTMARK_INBOUND,
        "From": "x@nowhere.example",
        "FromFull": {"Email": "x@nowhere.example", "Name": "", "MailboxHash": ""},
    }
    assert (
        client.post(
            "/anymail/postmark/inbound/", json.dumps(payload), content_type="application/json", **auth()
        ).status_code
        == 200
    )
    assert not sent.customer.timeline.filter(kind=TimelineKind.REPLY).exists()

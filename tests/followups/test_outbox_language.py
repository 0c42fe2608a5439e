"""The outbox speaks the reader's language: every reason and event by its label, never a code."""

import datetime as dt
import re

import pytest
from django.utils import timezone, translation

from followups.models import EventKind, Kind, Message, MessageEvent, Reason, State
from followups.outbox import message_plan
from tests.customers.factories import CustomerFactory

CODE_WORDS = "|".join(v for v in [*Reason.values, *EventKind.values] if "_" in v)
CODES = re.compile(rf"\b({CODE_WORDS})\b")


@pytest.fixture
def every_outcome(db):
    customer, now = CustomerFactory(), timezone.now()
    messages = []
    for n, reason in enumerate(Reason):
        message = message_plan(
            kind=Kind.BIRTHDAY,
            customer_id=customer.pk,
            dedupe_key=f"r:{n}",
            planned_at=now,
            expires_at=now + dt.timedelta(days=1),
        )
        deferred = reason in (Reason.QUIET_HOURS, Reason.FREQUENCY_CAP)
        Message.objects.filter(pk=message.pk).update(
            reason=reason,
            state=State.PLANNED if deferred else State.CANCELLED,
            deferred_until=now + dt.timedelta(hours=3) if deferred else None,
            held_by=Reason.QUIET_HOURS if reason == Reason.EXPIRED else "",
        )
        messages.append(message)
    MessageEvent.objects.bulk_create(
        MessageEvent(message=messages[0], event=event, reason=Reason.FREQUENCY_CAP, soft=True, until=now)
        for event in EventKind
    )
    return customer, messages


@pytest.mark.parametrize("language", ["es", "en"])
def test_outbox_message_and_customer_pages_show_labels_only(support_client, every_outcome, language):
    customer, messages = every_outcome
    pages = [
        f"/followups/messages/?customer={customer.pk}",
        f"/followups/messages/{messages[0].pk}/",
        f"/followups/messages/{messages[-1].pk}/",
        f"/customers/{customer.pk}/",
    ]
    with translation.override(language):
        labels = {str(reason.label) for reason in Reason} | {str(e.label) for e in EventKind}
    seen = ""
    for url in pages:
        response = support_client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        text = re.sub(r"<[^>]+>", " ", response.content.decode())
        assert not CODES.findall(text), (url, CODES.findall(text)[:5])
        seen += text
    missing = [label for label in labels if label not in seen]
    assert not missing, missing


def test_every_reason_and_event_has_a_spanish_label():
    untranslated = []
    for choice in [*Reason, *EventKind]:
        with translation.override("es"):
            spanish = str(choice.label)
        with translation.override("en"):
            english = str(choice.label)
        if spanish == english:
            untranslated.append(english)
    assert not untranslated

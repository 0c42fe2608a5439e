"""The ESP failing: a message is retried with growing waits, then failed with the ESP's reason
on the staff pages, and a manager sends it again once the ESP is back. The ESP is anymail's test
backend made to raise AnymailAPIError (tests/followups/esp.py): the outside world, mocked."""

import datetime as dt

import pytest
import time_machine

from followups import dispatch
from followups.models import EventKind, Kind, Message, Reason, State
from tests.followups.esp import FlakyESP

NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
ESP_ERROR = "Postmark API response 503 (Service Unavailable): try again later"


@pytest.fixture
def esp(settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.followups.esp.FlakyESP"
    FlakyESP.down = ESP_ERROR
    yield mailoutbox
    FlakyESP.down = ""


def test_a_failing_esp_is_retried_with_growing_waits_then_failed_and_a_manager_resends(
    shop, esp, manager_client
):
    with time_machine.travel(NOON, tick=False):
        shop.sale()
    message = Message.objects.get(kind=Kind.THANK_YOU)
    tried_at, waits = NOON, []
    for attempt in range(1, dispatch.MAX_ATTEMPTS):
        with time_machine.travel(tried_at, tick=False):
            assert dispatch.dispatch_due() == 1
        message.refresh_from_db()
        assert (message.state, message.reason, message.attempts) == (State.PLANNED, Reason.RETRY, attempt)
        assert ESP_ERROR in message.last_error
        waits.append(message.planned_at - tried_at)
        with time_machine.travel(message.planned_at - dt.timedelta(seconds=1), tick=False):
            assert dispatch.dispatch_due() == 0, "not before its due time"
        tried_at = message.planned_at
    assert waits == [dt.timedelta(minutes=m) for m in (2, 4, 8, 16)]
    with time_machine.travel(tried_at, tick=False):
        dispatch.dispatch_due()
    message.refresh_from_db()
    assert (message.state, message.reason, message.attempts) == (State.FAILED, Reason.FAILED, 5)
    assert message.last_error.startswith(f"esp: {ESP_ERROR}")
    events = list(message.events.order_by("at", "pk").values_list("event", flat=True))
    assert events == [EventKind.RETRY] * 4 + [EventKind.FAILED]
    assert esp == [], "nothing reached anyone"

    outbox = manager_client.get(
        "/followups/messages/?state=failed", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Postmark API response 503 (Service Unavailable)" in outbox
    assert f'action="/followups/messages/{message.pk}/retry/"' in outbox
    page = manager_client.get(f"/followups/messages/{message.pk}/").content.decode()
    assert "Postmark API response 503 (Service Unavailable)" in page

    FlakyESP.down = ""  # the ESP is back
    later = tried_at + dt.timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        response = manager_client.post(f"/followups/messages/{message.pk}/retry/")
        assert response.status_code == 302
        assert dispatch.dispatch_due() == 1
        assert dispatch.dispatch_due() == 0
    message.refresh_from_db()
    assert message.state == State.SENT and message.last_error == ""
    (mail,) = esp
    assert mail.to == [message.customer.email]
    assert list(message.events.order_by("at", "pk").values_list("event", flat=True))[-2:] == [
        EventKind.RETRIED,
        EventKind.SENT,
    ]

"""Mails to one customer are spaced by the rules' minimum gap, order updates first; and a mail's
recorded send time is when it was handed to the ESP, not when its batch was claimed."""

import datetime as dt
import uuid

import pytest
import time_machine
from anymail.backends.test import EmailBackend as AnymailTestBackend
from django.utils import timezone

from customers import services
from followups.dispatch import dispatch_due
from followups.models import FollowupRules, Kind, Message, MessageEvent, State
from followups.outbox import message_plan
from tests.followups.test_rules_bounds import URL, posted

NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
GAP = dt.timedelta(minutes=30)
pytestmark = pytest.mark.usefixtures("outbox_mail")


@pytest.fixture
def spaced(rules):
    rules.min_gap_minutes = 30
    rules.save()
    return rules


def plan(customer, kind, *, at=None, **data):
    at = at or timezone.now()
    return message_plan(
        kind=kind,
        customer_id=customer.pk,
        dedupe_key=f"{kind}:{uuid.uuid4()}",
        planned_at=at,
        expires_at=at + dt.timedelta(days=7),
        data=data,
    )


def state(message):
    message.refresh_from_db()
    return message.state, message.reason


def keen_customer(shop):
    customer = shop.customer()
    services.consent_change(customer=customer, marketing_consent=True, source="checkout")
    return customer


def test_after_an_import_the_order_update_goes_first_and_the_rest_wait_the_gap(shop, spaced, outbox_mail):
    customer = keen_customer(shop)
    with time_machine.travel(NOON, tick=False):
        # planned earlier than the order update, as an import leaves them
        birthday = plan(customer, Kind.BIRTHDAY, at=NOON - dt.timedelta(minutes=5))
        offer = plan(customer, Kind.WINBACK, at=NOON - dt.timedelta(minutes=4))
        thanks = plan(customer, Kind.THANK_YOU)
        dispatch_due()
        assert state(thanks)[0] == State.SENT
        assert state(birthday) == (State.PLANNED, "min_gap")
        assert state(offer) == (State.PLANNED, "min_gap")
        assert birthday.planned_at == NOON + GAP
        event = MessageEvent.objects.get(message=offer, event="defer")
        assert event.until == NOON + GAP
        assert len(outbox_mail) == 1
    with time_machine.travel(NOON + GAP, tick=False):
        dispatch_due()
        # one of the two goes; the other waits one more gap after it
        assert sorted(state(m)[0] for m in (birthday, offer)) == [State.PLANNED, State.SENT]
        waiting = birthday if birthday.state == State.PLANNED else offer
        assert waiting.planned_at == NOON + 2 * GAP
    with time_machine.travel(NOON + 2 * GAP, tick=False):
        dispatch_due()
        assert state(waiting)[0] == State.SENT
    sent = sorted(Message.objects.filter(customer=customer).values_list("sent_at", flat=True))
    assert [b - a for a, b in zip(sent, sent[1:], strict=False)] == [GAP, GAP]


def test_an_order_update_is_never_held_back_by_the_gap(shop, spaced, outbox_mail):
    customer = keen_customer(shop)
    with time_machine.travel(NOON, tick=False):
        plan(customer, Kind.BIRTHDAY)
        dispatch_due()
    with time_machine.travel(NOON + dt.timedelta(minutes=1), tick=False):
        thanks = plan(customer, Kind.THANK_YOU)
        offer = plan(customer, Kind.WINBACK)
        dispatch_due()
        assert state(thanks)[0] == State.SENT
        assert state(offer) == (State.PLANNED, "min_gap")
        assert offer.planned_at == NOON + dt.timedelta(minutes=1) + GAP  # after the update


def test_other_customers_are_not_spaced_by_each_other(shop, spaced, outbox_mail):
    with time_machine.travel(NOON, tick=False):
        first, second = keen_customer(shop), keen_customer(shop)
        messages = [plan(first, Kind.BIRTHDAY), plan(second, Kind.BIRTHDAY)]
        dispatch_due()
        assert [state(m)[0] for m in messages] == [State.SENT, State.SENT]


def test_a_gap_of_zero_turns_the_spacing_off(shop, rules, outbox_mail):
    assert rules.min_gap_minutes == 0
    customer = keen_customer(shop)
    with time_machine.travel(NOON, tick=False):
        messages = [plan(customer, Kind.THANK_YOU), plan(customer, Kind.BIRTHDAY)]
        dispatch_due()
        assert [state(m)[0] for m in messages] == [State.SENT, State.SENT]


def test_the_gap_is_thirty_minutes_unless_a_manager_changes_it(db):
    assert FollowupRules.current().min_gap_minutes == 30


def test_managers_set_the_gap_on_the_rules_page_within_a_day(manager_client):
    response = manager_client.post(URL, posted(min_gap_minutes=1441), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["form"].errors["min_gap_minutes"][0].startswith("Use a whole number")
    response = manager_client.post(URL, posted(min_gap_minutes=90))
    assert response.status_code == 302
    assert FollowupRules.current().min_gap_minutes == 90


# --- when a mail counts as sent ---------------------------------------------------------------

CLOCK = {}


class SlowEsp(AnymailTestBackend):
    """The outside world: an ESP that takes five seconds to accept each mail."""

    def send_messages(self, email_messages):
        CLOCK["traveller"].shift(dt.timedelta(seconds=5))
        return super().send_messages(email_messages)


def test_the_recorded_send_time_is_when_the_esp_took_the_mail(shop, rules, settings, outbox_mail):
    settings.EMAIL_BACKEND = "tests.followups.test_mail_spacing.SlowEsp"
    customers = [shop.customer(), shop.customer()]
    with time_machine.travel(NOON, tick=False) as traveller:
        CLOCK["traveller"] = traveller
        messages = [plan(customer, Kind.THANK_YOU) for customer in customers]
        dispatch_due()
    for message in messages:
        message.refresh_from_db()
    assert [m.claimed_at for m in messages] == [NOON, NOON]
    assert [m.sent_at for m in messages] == [NOON + dt.timedelta(seconds=5), NOON + dt.timedelta(seconds=10)]
    event = MessageEvent.objects.get(message=messages[1], event="sent")
    assert event.at == messages[1].sent_at

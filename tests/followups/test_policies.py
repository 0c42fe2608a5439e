"""Send-time rules, each both ways: what is sent, deferred (until when), suppressed or cancelled."""

import datetime as dt
import uuid
import zoneinfo

import pytest
import time_machine

from customers import services
from followups.dispatch import dispatch_due
from followups.models import Kind, MessageEvent, State, Suppression
from followups.outbox import message_plan

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=MADRID)
pytestmark = pytest.mark.usefixtures("outbox_mail")


def plan(customer, kind, key=None, sale=None, complaint=None, window=dt.timedelta(days=7), **data):
    from django.utils import timezone

    now = timezone.now()
    return message_plan(
        kind=kind,
        customer_id=customer.pk,
        dedupe_key=key or f"{kind}:{uuid.uuid4()}",
        planned_at=now,
        expires_at=now + window,
        sale_id=sale and sale.pk,
        complaint_id=complaint and complaint.pk,
        data=data,
    )


def outcome(message):
    message.refresh_from_db()
    if message.state == State.PLANNED and message.reason:  # a deferral carries its moment
        assert message.deferred_until == message.planned_at
    return message.state, message.reason


@time_machine.travel(NOON, tick=False)
def test_do_not_contact_suppresses_even_transactional_mail(shop, outbox_mail):
    blocked = shop.customer()
    services.do_not_contact_set(customer=blocked, value=True)
    blocked_msg = plan(blocked, Kind.THANK_YOU)
    fine_msg = plan(shop.customer(), Kind.THANK_YOU)
    dispatch_due()
    assert outcome(blocked_msg) == (State.SUPPRESSED, "do_not_contact")
    assert outcome(fine_msg)[0] == State.SENT
    assert [m.to for m in outbox_mail] == [[fine_msg.customer.email]]


@time_machine.travel(NOON, tick=False)
def test_a_hard_bounce_suppresses_everything_for_that_address(shop, outbox_mail):
    customer = shop.customer()
    Suppression.objects.create(email=customer.email, category="", reason="hard_bounce")
    message = plan(customer, Kind.DELAY_NOTICE)
    dispatch_due()
    assert outcome(message) == (State.SUPPRESSED, "hard_bounce")
    assert outbox_mail == []


@time_machine.travel(NOON, tick=False)
def test_leaving_one_category_never_silences_another(shop, outbox_mail):
    customer = shop.customer()
    Suppression.objects.create(email=customer.email, category="relationship", reason="unsubscribed")
    tips = plan(customer, Kind.BIRTHDAY)
    notice = plan(customer, Kind.THANK_YOU)
    dispatch_due()
    assert outcome(tips) == (State.SUPPRESSED, "unsubscribed")
    assert outcome(notice)[0] == State.SENT


@time_machine.travel(NOON, tick=False)
def test_promotional_mail_needs_consent(shop, outbox_mail):
    without, with_consent = shop.customer(), shop.customer()
    services.consent_change(customer=with_consent, marketing_consent=True, source="checkout")
    refused = plan(without, Kind.WINBACK)
    allowed = plan(with_consent, Kind.WINBACK)
    dispatch_due()
    assert outcome(refused) == (State.SUPPRESSED, "no_consent")
    assert outcome(allowed)[0] == State.SENT


def test_no_offer_while_a_case_is_open_then_it_goes_after(shop, outbox_mail):
    customer = shop.customer()
    services.consent_change(customer=customer, marketing_consent=True, source="checkout")
    with time_machine.travel(NOON, tick=False):
        case = shop.open_case(customer)
        offer = plan(customer, Kind.WINBACK)
        thanks = plan(customer, Kind.THANK_YOU)
        dispatch_due()
        assert outcome(offer) == (State.PLANNED, "open_complaint")
        assert outcome(thanks)[0] == State.SENT  # transactional mail is not held back
        event = MessageEvent.objects.get(message=offer, event="defer")
        assert event.reason == "open_complaint" and event.until == NOON + dt.timedelta(hours=6)
        services.complaint_resolve(complaint=case)
    with time_machine.travel(NOON + dt.timedelta(hours=7), tick=False):
        dispatch_due()
        assert outcome(offer)[0] == State.SENT


@time_machine.travel(NOON, tick=False)
def test_the_frequency_cap_holds_back_the_fourth_non_transactional_mail(shop, rules, outbox_mail):
    rules.frequency_cap, rules.frequency_period_days = 3, 7
    rules.save()
    customer = shop.customer()
    services.consent_change(customer=customer, marketing_consent=True, source="checkout")
    first = [plan(customer, Kind.WINBACK, key=f"w{i}") for i in range(3)]
    fourth = plan(customer, Kind.BIRTHDAY, window=dt.timedelta(days=30))
    order_mail = plan(customer, Kind.THANK_YOU)
    dispatch_due()
    assert [outcome(m)[0] for m in first] == [State.SENT] * 3
    assert outcome(fourth) == (State.PLANNED, "frequency_cap")
    fourth.refresh_from_db()
    assert fourth.planned_at == NOON + dt.timedelta(days=7)
    assert outcome(order_mail)[0] == State.SENT


@time_machine.travel(dt.datetime(2026, 3, 10, 23, 30, tzinfo=MADRID), tick=False)
def test_quiet_hours_defer_to_the_customers_morning(shop, rules, outbox_mail):
    rules.quiet_hours_start, rules.quiet_hours_end = 21, 9
    rules.save()
    madrid = plan(shop.customer(), Kind.THANK_YOU)
    # 16:30 in Mexico City at the same moment: daytime there.
    mexico = plan(shop.customer(time_zone="America/Mexico_City"), Kind.THANK_YOU)
    dispatch_due()
    assert outcome(madrid) == (State.PLANNED, "quiet_hours")
    madrid.refresh_from_db()
    assert madrid.planned_at == dt.datetime(2026, 3, 11, 9, 0, tzinfo=MADRID)
    assert outcome(mexico)[0] == State.SENT


@time_machine.travel(dt.datetime(2026, 3, 10, 23, 30, tzinfo=MADRID), tick=False)
def test_a_message_held_back_past_its_window_is_cancelled_with_its_reason(shop, rules, outbox_mail):
    rules.quiet_hours_start, rules.quiet_hours_end = 21, 9
    rules.save()
    short = plan(shop.customer(), Kind.BIRTHDAY, window=dt.timedelta(hours=2))
    dispatch_due()
    assert outcome(short) == (State.CANCELLED, "expired")
    assert short.held_by == "quiet_hours"
    assert outbox_mail == []


def test_a_message_whose_window_passed_unsent_is_cancelled(shop, outbox_mail):
    with time_machine.travel(NOON, tick=False):
        message = plan(shop.customer(), Kind.THANK_YOU, window=dt.timedelta(hours=1))
    with time_machine.travel(NOON + dt.timedelta(hours=2), tick=False):
        dispatch_due()
    assert outcome(message) == (State.CANCELLED, "expired")


@time_machine.travel(NOON, tick=False)
def test_no_survey_about_an_order_still_on_its_way(shop, outbox_mail):
    sale = shop.sale(delivery={"promised_date": dt.date(2026, 3, 12), "status": "in_transit"})
    survey = plan(sale.customer, Kind.SURVEY, sale=sale)
    dispatch_due()
    assert outcome(survey) == (State.PLANNED, "order_not_delivered")


@time_machine.travel(NOON, tick=False)
def test_a_survey_about_a_delivered_order_goes_out(shop, outbox_mail):
    sale = shop.sale(delivery={"promised_date": dt.date(2026, 3, 12), "delivered_at": NOON})
    survey = plan(sale.customer, Kind.SURVEY, sale=sale)
    dispatch_due()
    assert outcome(survey)[0] == State.SENT


@time_machine.travel(NOON, tick=False)
def test_no_survey_while_a_case_is_open(shop, outbox_mail):
    sale = shop.sale(delivery={"promised_date": dt.date(2026, 3, 12), "delivered_at": NOON})
    shop.open_case(sale.customer, sale)
    survey = plan(sale.customer, Kind.SURVEY, sale=sale)
    dispatch_due()
    assert outcome(survey) == (State.PLANNED, "open_complaint")


def test_one_survey_per_fatigue_window(shop, rules, outbox_mail):
    rules.survey_fatigue_days, rules.frequency_cap = 30, 10
    rules.save()
    with time_machine.travel(NOON, tick=False):
        first = shop.sale(delivery={"promised_date": dt.date(2026, 3, 12), "delivered_at": NOON})
        second = shop.sale(
            first.customer, delivery={"promised_date": dt.date(2026, 3, 12), "delivered_at": NOON}
        )
        a = plan(first.customer, Kind.SURVEY, sale=first, window=dt.timedelta(days=60))
        b = plan(first.customer, Kind.SURVEY, sale=second, window=dt.timedelta(days=60))
        dispatch_due()
        assert outcome(a)[0] == State.SENT
        assert outcome(b) == (State.PLANNED, "survey_fatigue")
    with time_machine.travel(NOON.astimezone(dt.UTC) + dt.timedelta(days=30, minutes=1), tick=False):
        dispatch_due()
        assert outcome(b)[0] == State.SENT


def test_the_batch_facts_hold_the_sends_inside_each_rules_window_only(shop, rules):
    from followups.models import FollowupRules, Message
    from followups.policies import BatchFacts

    rules.survey_fatigue_days, rules.frequency_period_days, rules.min_gap_minutes = 30, 14, 60
    rules.save()
    customer = shop.customer()
    sent = {
        "survey 40 days ago": (Kind.SURVEY, dt.timedelta(days=40)),
        "tip 20 days ago": (Kind.USAGE_TIPS, dt.timedelta(days=20)),
        "tip 10 days ago": (Kind.USAGE_TIPS, dt.timedelta(days=10)),
        "thank-you 2 hours ago": (Kind.THANK_YOU, dt.timedelta(hours=2)),
        "thank-you 5 minutes ago": (Kind.THANK_YOU, dt.timedelta(minutes=5)),
    }
    for key, (kind, ago) in sent.items():
        message = plan(customer, kind, key=key)
        Message.objects.filter(pk=message.pk).update(state=State.SENT, sent_at=NOON - ago)
    due = plan(customer, Kind.USAGE_TIPS)

    facts = BatchFacts.load(
        [Message.objects.select_related("customer").get(pk=due.pk)], FollowupRules.current(), NOON
    )

    assert facts.last_survey == {}, "a survey before the fatigue window holds nothing back"
    assert facts.recent == {customer.pk: [NOON - dt.timedelta(days=10)]}, "tips only, within the period"
    assert facts.last_sent == {customer.pk: NOON - dt.timedelta(minutes=5)}


@time_machine.travel(NOON, tick=False)
def test_a_customer_without_email_is_suppressed(shop, outbox_mail):
    customer = shop.customer(email="")
    customer.email = ""
    customer.save()
    message = plan(customer, Kind.THANK_YOU)
    dispatch_due()
    assert outcome(message) == (State.SUPPRESSED, "no_email")


@time_machine.travel(NOON, tick=False)
def test_a_reminder_of_a_survey_answered_meanwhile_is_cancelled(shop, outbox_mail):
    from surveys.models import Invitation

    sale = shop.sale(delivery={"promised_date": dt.date(2026, 3, 12), "delivered_at": NOON})
    first = plan(sale.customer, Kind.SURVEY, sale=sale)
    dispatch_due()
    invitation = Invitation.objects.get(message=first)
    answered = plan(sale.customer, Kind.SURVEY, sale=sale, reminder_of_invitation=invitation.pk)
    Invitation.objects.filter(pk=invitation.pk).update(answered_at=NOON)
    dispatch_due()
    assert outcome(answered) == (State.CANCELLED, "survey_answered")
    Invitation.objects.filter(pk=invitation.pk).update(answered_at=None)
    still_open = plan(sale.customer, Kind.SURVEY, sale=sale, reminder_of_invitation=invitation.pk)
    dispatch_due()
    assert outcome(still_open)[0] == State.SENT  # a reminder is exempt from survey fatigue

"""Mails that must still be true when they leave, deferrals that move forward, and the case
survey that closes the recovery loop."""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from followups import planner
from followups.dispatch import dispatch_batch, dispatch_due
from followups.models import FollowupRules, Kind, Message, MessageEvent, State
from followups.outbox import message_plan

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
JUNE_1 = dt.datetime(2026, 6, 1, 12, 0, tzinfo=MADRID)
pytestmark = pytest.mark.usefixtures("outbox_mail")


def delay_mails(outbox_mail):
    return [m for m in outbox_mail if m.tags == [Kind.DELAY_NOTICE]]


def notices(sale):
    return Message.objects.filter(kind=Kind.DELAY_NOTICE, sale=sale).order_by("pk")


def test_a_waiting_notice_whose_estimate_came_back_before_the_promise_is_cancelled(shop, rules, outbox_mail):
    rules.quiet_hours_start, rules.quiet_hours_end = 21, 9
    rules.save()
    night = dt.datetime(2026, 6, 1, 23, 0, tzinfo=MADRID)
    with time_machine.travel(night, tick=False):
        sale = shop.sale(
            delivery={"promised_date": dt.date(2026, 6, 4), "estimated_date": dt.date(2026, 6, 6)}
        )
        dispatch_due()  # night: deferred to the morning
        (notice,) = notices(sale)
        assert notice.state == State.PLANNED and notice.reason == "quiet_hours"
        shop.update_delivery(sale, estimated_date=dt.date(2026, 6, 3))
    with time_machine.travel(night + dt.timedelta(hours=11), tick=False):
        dispatch_due()
    notice.refresh_from_db()
    assert (notice.state, notice.reason) == (State.CANCELLED, "no_longer_late")
    assert delay_mails(outbox_mail) == []


def test_a_claimed_notice_of_a_parcel_delivered_meanwhile_is_cancelled(shop, outbox_mail):
    from customers.models import Delivery

    with time_machine.travel(JUNE_1, tick=False):
        sale = shop.sale(
            delivery={"promised_date": dt.date(2026, 6, 4), "estimated_date": dt.date(2026, 6, 6)}
        )
        notice = notices(sale).get()
        # The parcel arrives while the row is already in a batch (the delivery subscriber,
        # which cancels waiting notices, is not the last line of defence).
        Delivery.objects.filter(pk=sale.delivery.pk).update(status="delivered", delivered_at=JUNE_1)
        dispatch_due()
    notice.refresh_from_db()
    assert (notice.state, notice.reason) == (State.CANCELLED, "delivered")
    assert delay_mails(outbox_mail) == []


def test_an_estimate_back_to_a_date_already_announced_is_announced_again(shop, outbox_mail):
    with time_machine.travel(JUNE_1, tick=False):
        sale = shop.sale(
            delivery={"promised_date": dt.date(2026, 6, 4), "estimated_date": dt.date(2026, 6, 6)}
        )
        dispatch_due()
        shop.update_delivery(sale, estimated_date=dt.date(2026, 6, 9))
        dispatch_due()
        shop.update_delivery(sale, estimated_date=dt.date(2026, 6, 6))
        dispatch_due()
        shop.update_delivery(sale, estimated_date=dt.date(2026, 6, 6), delay_reason="carrier")
        dispatch_due()  # same date again: nothing new to say
    sent = list(notices(sale).filter(state=State.SENT))
    assert [m.data["new_date"] for m in sent] == ["2026-06-06", "2026-06-09", "2026-06-06"]
    assert sent[-1].dedupe_key.endswith(":2026-06-06:2")
    mails = delay_mails(outbox_mail)
    assert len(mails) == 3
    assert "6" in mails[-1].body and "9 de junio" not in mails[-1].body


def test_a_waiting_notice_is_replaced_by_the_latest_date(shop, rules):
    rules.quiet_hours_start, rules.quiet_hours_end = 21, 9
    rules.save()
    with time_machine.travel(dt.datetime(2026, 6, 1, 23, 0, tzinfo=MADRID), tick=False):
        sale = shop.sale(
            delivery={"promised_date": dt.date(2026, 6, 4), "estimated_date": dt.date(2026, 6, 6)}
        )
        shop.update_delivery(sale, estimated_date=dt.date(2026, 6, 9))
    states = [(m.data["new_date"], m.state, m.reason) for m in notices(sale)]
    assert states == [("2026-06-06", State.CANCELLED, "superseded"), ("2026-06-09", State.PLANNED, "")]


def test_a_deferral_at_the_caps_boundary_moves_forward_and_then_sends(shop, rules, outbox_mail):
    rules.frequency_cap, rules.frequency_period_days = 3, 7
    rules.save()
    customer = shop.customer()

    def plan(n, at):
        return message_plan(
            kind=Kind.BIRTHDAY,
            customer_id=customer.pk,
            dedupe_key=f"b:{n}",
            planned_at=at,
            expires_at=at + dt.timedelta(days=30),
        )

    with time_machine.travel(JUNE_1, tick=False):
        for n in range(3):
            plan(n, JUNE_1)
        fourth = plan(3, JUNE_1)
        dispatch_due()
    fourth.refresh_from_db()
    assert fourth.state == State.PLANNED and fourth.planned_at == JUNE_1 + dt.timedelta(days=7)
    with time_machine.travel(fourth.planned_at, tick=False):
        for _ in range(5):  # bounded: before the fix this row came back due, forever
            if not dispatch_batch():
                break
    fourth.refresh_from_db()
    assert fourth.state == State.SENT
    assert MessageEvent.objects.filter(message=fourth, event="defer").count() == 1


def test_every_deferral_moves_strictly_forward(shop, rules):
    from followups import policies

    customer = shop.customer()
    with time_machine.travel(JUNE_1, tick=False):
        message = message_plan(
            kind=Kind.BIRTHDAY,
            customer_id=customer.pk,
            dedupe_key="b:x",
            planned_at=JUNE_1,
            expires_at=JUNE_1 + dt.timedelta(days=3),
        )
        message.customer = customer
        facts = policies.BatchFacts(recent={customer.pk: [JUNE_1 - dt.timedelta(days=7)] * 3})
        rules.frequency_cap, rules.frequency_period_days = 3, 7
        decision = policies.decide(message, facts, rules, JUNE_1)
    assert decision.action == "defer" and decision.until >= JUNE_1 + policies.MIN_DEFER


def test_the_case_survey_after_a_detractors_case_is_not_held_by_survey_fatigue(shop, rules, outbox_mail):
    rules.survey_fatigue_days, rules.case_survey_delay_hours = 30, 24
    rules.save()
    customer = shop.customer()
    with time_machine.travel(JUNE_1, tick=False):
        first = message_plan(
            kind=Kind.SURVEY,
            customer_id=customer.pk,
            dedupe_key="survey:1",
            planned_at=JUNE_1,
            expires_at=JUNE_1 + dt.timedelta(days=14),
        )
        dispatch_due()
        case = shop.open_case(customer)
    with time_machine.travel(JUNE_1 + dt.timedelta(days=3), tick=False):
        shop.resolve(case)
    with time_machine.travel(JUNE_1 + dt.timedelta(days=4, hours=1), tick=False):
        dispatch_due()
        later = message_plan(
            kind=Kind.SURVEY,
            customer_id=customer.pk,
            dedupe_key="survey:2",
            planned_at=JUNE_1 + dt.timedelta(days=4, hours=1),
            expires_at=JUNE_1 + dt.timedelta(days=40),
        )
        dispatch_due()
    first.refresh_from_db()
    case_survey = Message.objects.get(kind=Kind.CASE_SURVEY, complaint=case)
    later.refresh_from_db()
    assert first.state == State.SENT
    assert case_survey.state == State.SENT  # the recovery loop closes
    # ...and the fatigue window still keeps the next delivery survey back.
    assert later.state == State.PLANNED and later.reason == "survey_fatigue"
    assert FollowupRules.current().survey_fatigue_days == 30


def test_an_old_order_marked_delivered_today_plans_no_survey_nor_tips(shop):
    with time_machine.travel(dt.datetime(2019, 5, 1, 12, 0, tzinfo=MADRID), tick=False):
        sale = shop.sale(delivery={"promised_date": dt.date(2019, 5, 4), "status": "in_transit"})
    with time_machine.travel(JUNE_1, tick=False):
        shop.update_delivery(sale, status="delivered")
    sale.delivery.refresh_from_db()
    assert sale.delivery.delivered_at is None  # unknown, not "now"
    assert not Message.objects.filter(kind__in=[Kind.SURVEY, Kind.USAGE_TIPS]).exists()


def test_a_live_delivery_without_a_time_still_counts_from_now(shop, rules):
    rules.survey_days = 5
    rules.save()
    with time_machine.travel(JUNE_1 - dt.timedelta(days=3), tick=False):
        sale = shop.sale(delivery={"promised_date": dt.date(2026, 6, 2), "status": "in_transit"})
    with time_machine.travel(JUNE_1, tick=False):
        shop.update_delivery(sale, status="delivered")
    survey = Message.objects.get(kind=Kind.SURVEY)
    assert survey.planned_at == JUNE_1 + dt.timedelta(days=5)


def test_an_old_delivery_time_sent_late_plans_nothing(shop):
    with time_machine.travel(dt.datetime(2019, 5, 1, 12, 0, tzinfo=MADRID), tick=False):
        sale = shop.sale(delivery={"promised_date": dt.date(2019, 5, 4), "status": "in_transit"})
    with time_machine.travel(JUNE_1, tick=False):
        shop.update_delivery(sale, delivered_at=dt.datetime(2019, 5, 3, 10, 0, tzinfo=MADRID))
    assert planner.delivery_moment(sale.delivery).year == 2019
    assert not Message.objects.filter(kind__in=[Kind.SURVEY, Kind.USAGE_TIPS]).exists()

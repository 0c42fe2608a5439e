"""Planning rules, each both ways, with a frozen clock."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from followups import planner
from followups.models import Kind, Message, State
from tests.followups.conftest import days

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=MADRID)


def planned(kind, **filters):
    return Message.objects.filter(kind=kind, **filters)


@time_machine.travel(NOON, tick=False)
def test_a_new_sale_plans_one_thank_you_after_the_delay(shop, rules):
    rules.thank_you_delay_minutes = 30
    rules.save()
    sale = shop.sale()
    message = planned(Kind.THANK_YOU).get()
    assert message.sale == sale and message.state == State.PLANNED
    assert message.planned_at == NOON + dt.timedelta(minutes=30)
    assert message.expires_at == message.planned_at + planner.WINDOW[Kind.THANK_YOU]
    assert planner.plan_thank_yous([sale.pk]) == 1  # asked again ...
    assert planned(Kind.THANK_YOU).count() == 1  # ... still one row


@time_machine.travel(NOON, tick=False)
def test_an_old_sale_gets_no_thank_you(shop):
    shop.sale(ordered_at=NOON - days(400))
    shop.sale(ordered_at=NOON - days(3))
    assert not planned(Kind.THANK_YOU).exists()


@time_machine.travel(NOON, tick=False)
def test_a_sale_from_yesterday_is_thanked_now(shop):
    shop.sale(ordered_at=NOON - days(1))
    assert planned(Kind.THANK_YOU).get().planned_at == NOON


@time_machine.travel(NOON, tick=False)
def test_thank_yous_switched_off_plan_nothing(shop, rules):
    rules.thank_you_enabled = False
    rules.save()
    shop.sale()
    assert not planned(Kind.THANK_YOU).exists()


@time_machine.travel(NOON, tick=False)
def test_a_late_estimate_plans_a_delay_notice_with_the_new_date_and_reason(shop):
    sale = shop.sale(delivery={"promised_date": dt.date(2026, 3, 12), "status": "in_transit"})
    assert not planned(Kind.DELAY_NOTICE).exists()
    shop.update_delivery(sale, estimated_date=dt.date(2026, 3, 15), delay_reason="carrier", status="delayed")
    notice = planned(Kind.DELAY_NOTICE).get()
    assert notice.data == {"promised_date": "2026-03-12", "new_date": "2026-03-15", "reason": "carrier"}
    assert notice.planned_at == NOON


@time_machine.travel(NOON, tick=False)
def test_a_moved_estimate_is_news_again_and_supersedes_the_waiting_notice(shop):
    sale = shop.sale(delivery={"promised_date": dt.date(2026, 3, 12)})
    shop.update_delivery(sale, estimated_date=dt.date(2026, 3, 15))
    shop.update_delivery(sale, estimated_date=dt.date(2026, 3, 18))
    first, second = planned(Kind.DELAY_NOTICE).order_by("pk")
    assert first.state == State.CANCELLED and first.reason == "superseded"
    assert second.state == State.PLANNED and second.data["new_date"] == "2026-03-18"
    shop.update_delivery(sale, carrier="SEUR")  # same date: no news
    assert planned(Kind.DELAY_NOTICE).count() == 2


@time_machine.travel(NOON, tick=False)
def test_delivery_cancels_a_waiting_delay_notice_and_plans_tips_and_survey(shop, rules):
    rules.survey_days_by_category = {"electronica": 10}
    rules.save()
    sale = shop.sale(delivery={"promised_date": dt.date(2026, 3, 9)}, category="electronica")
    planner.late_deliveries_sweep()
    assert planned(Kind.DELAY_NOTICE, state=State.PLANNED).count() == 1
    shop.update_delivery(sale, delivered_at=NOON)
    assert planned(Kind.DELAY_NOTICE).get().reason == "delivered"
    assert planned(Kind.USAGE_TIPS).get().planned_at == NOON + days(rules.usage_tips_days)
    assert planned(Kind.SURVEY).get().planned_at == NOON + days(10)


@time_machine.travel(NOON, tick=False)
def test_a_delivery_long_delivered_plans_nothing(shop):
    shop.sale(
        ordered_at=NOON - days(200),
        delivery={"promised_date": dt.date(2025, 8, 25), "delivered_at": NOON - days(195)},
    )
    assert not Message.objects.exists()


@time_machine.travel(NOON, tick=False)
def test_a_category_with_a_long_survey_wait_still_gets_its_survey(shop, rules):
    # The planner loads only deliveries recent enough for the longest wait of all: a category's
    # own wait counts, or a sofa delivered 65 days ago would be taken for history.
    rules.survey_days_by_category = {"sofas": 60}
    rules.save()
    recent = shop.sale(
        ordered_at=NOON - days(70), delivery={"promised_date": dt.date(2026, 1, 5)}, category="sofas"
    )
    shop.update_delivery(recent, delivered_at=NOON - days(65))
    old = shop.sale(
        ordered_at=NOON - days(90), delivery={"promised_date": dt.date(2025, 12, 15)}, category="sofas"
    )
    shop.update_delivery(old, delivered_at=NOON - days(80))  # 60 + the 14-day window: gone
    survey = planned(Kind.SURVEY).get()
    assert survey.sale == recent and survey.planned_at == NOON
    assert not planned(Kind.USAGE_TIPS).exists()  # 7 days + 7 of window: history for both


@time_machine.travel(NOON, tick=False)
def test_a_delivery_that_fails_cancels_its_waiting_delay_notice(shop):
    sale = shop.sale(delivery={"promised_date": dt.date(2026, 3, 9), "status": "in_transit"})
    planner.late_deliveries_sweep()
    shop.update_delivery(sale, status="failed")
    notice = planned(Kind.DELAY_NOTICE).get()
    assert (notice.state, notice.reason) == (State.CANCELLED, "delivered")
    assert not planned(Kind.SURVEY).exists()


@time_machine.travel(NOON, tick=False)
def test_a_late_delivery_promised_long_ago_is_stale_data(shop):
    shop.sale(
        ordered_at=NOON - days(60), delivery={"promised_date": dt.date(2026, 1, 20), "status": "in_transit"}
    )
    assert planner.late_deliveries_sweep() == 0
    assert not planned(Kind.DELAY_NOTICE).exists()


@time_machine.travel(NOON, tick=False)
def test_an_on_time_delivery_plans_no_delay_notice(shop):
    shop.sale(delivery={"promised_date": dt.date(2026, 3, 12), "estimated_date": dt.date(2026, 3, 11)})
    assert planner.late_deliveries_sweep() == 0
    assert not planned(Kind.DELAY_NOTICE).exists()


def test_the_late_sweep_finds_a_promised_day_gone_by(shop):
    with time_machine.travel(NOON, tick=False):
        shop.sale(delivery={"promised_date": dt.date(2026, 3, 11), "status": "in_transit"})
        assert planner.late_deliveries_sweep() == 0
    with time_machine.travel(NOON + days(2), tick=False):
        assert planner.late_deliveries_sweep() == 1
        assert planner.late_deliveries_sweep() == 0  # already planned: nothing new
        notice = planned(Kind.DELAY_NOTICE).get()
        assert notice.data["new_date"] is None


def test_the_late_sweep_runs_a_fixed_number_of_queries(shop, django_assert_max_num_queries):
    def late_sales(n):
        with time_machine.travel(NOON - days(5), tick=False):
            for _ in range(n):
                shop.sale(delivery={"promised_date": dt.date(2026, 3, 6)})

    late_sales(3)
    with time_machine.travel(NOON, tick=False):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as small:
            planner.late_deliveries_sweep()
        late_sales(27)  # 30 rows: one INSERT even within SQLite's 999 parameters
        Message.objects.all().delete()
        with CaptureQueriesContext(connection) as large:
            assert planner.late_deliveries_sweep() == 30
    assert len(large) == len(small)  # set-based: the same queries for 3 late parcels and 30
    assert Message.objects.filter(kind=Kind.DELAY_NOTICE).count() == 30


def test_birthdays_are_planned_that_morning_in_the_customers_time_zone(shop, rules):
    rules.birthday_hour = 9
    rules.save()
    madrid = shop.customer(birth_date=dt.date(1990, 3, 10))
    mexico = shop.customer(birth_date=dt.date(1985, 3, 10), time_zone="America/Mexico_City")
    other = shop.customer(birth_date=dt.date(1985, 3, 11))
    with time_machine.travel(dt.datetime(2026, 3, 10, 6, 0, tzinfo=MADRID), tick=False):
        assert planner.birthdays_sweep() == 3  # today's two, and tomorrow's planned a day ahead
        assert planner.birthdays_sweep() == 3  # a second sweep keeps one row each
    notes = {m.customer_id: m for m in planned(Kind.BIRTHDAY)}
    assert set(notes) == {madrid.pk, mexico.pk, other.pk} and len(planned(Kind.BIRTHDAY)) == 3
    assert notes[other.pk].planned_at == dt.datetime(2026, 3, 11, 9, 0, tzinfo=MADRID)
    assert notes[madrid.pk].planned_at == dt.datetime(2026, 3, 10, 9, 0, tzinfo=MADRID)
    assert notes[mexico.pk].planned_at == dt.datetime(
        2026, 3, 10, 9, 0, tzinfo=zoneinfo.ZoneInfo("America/Mexico_City")
    )
    assert notes[madrid.pk].dedupe_key == f"birthday:{madrid.pk}:2026"


def test_no_birthday_note_when_switched_off(shop, rules):
    rules.birthday_enabled = False
    rules.save()
    shop.customer(birth_date=dt.date(1990, 3, 10))
    with time_machine.travel(NOON, tick=False):
        assert planner.birthdays_sweep() == 0
    assert not Message.objects.exists()


@time_machine.travel(NOON, tick=False)
def test_a_resolved_case_plans_a_case_survey_a_day_later(shop):
    customer = shop.customer()
    case = shop.open_case(customer)
    assert not planned(Kind.CASE_SURVEY).exists()
    shop.resolve(case)
    survey = planned(Kind.CASE_SURVEY).get()
    assert survey.complaint == case and survey.planned_at == NOON + dt.timedelta(hours=24)


@pytest.mark.parametrize("enabled", [True, False])
@time_machine.travel(NOON, tick=False)
def test_case_surveys_follow_their_switch(shop, rules, enabled):
    rules.case_survey_enabled = enabled
    rules.save()
    shop.resolve(shop.open_case(shop.customer()))
    assert planned(Kind.CASE_SURVEY).exists() is enabled


@time_machine.travel(NOON, tick=False)
def test_a_rolled_back_sale_plans_nothing(shop):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        shop.sale()
        raise RuntimeError
    assert not Message.objects.exists()
    assert timezone.now() == NOON

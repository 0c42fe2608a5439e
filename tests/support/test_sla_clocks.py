"""The SLA clocks' arithmetic: business hours of the shop's calendar, pauses, reopening."""

import datetime as dt
import zoneinfo

import holidays

from customers.sla import (
    DEFAULT_HOURS,
    Calendar,
    CaseFacts,
    Targets,
    add_business_hours,
    clocks_for,
)

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
SPAIN = holidays.country_holidays("ES")
CALENDAR = Calendar(tz=MADRID, hours=DEFAULT_HOURS, is_closed=lambda day: day in SPAIN)
TARGETS = Targets(first_response=2, next_response=4, resolution=8)


def at(day: str, time: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=MADRID)


def test_a_case_opened_on_friday_at_five_is_due_on_monday_at_four():
    assert add_business_hours(at("2026-03-13", "17:00"), 8, CALENDAR) == at("2026-03-16", "16:00")


def test_a_case_opened_on_a_public_holiday_is_due_the_next_working_day_at_five():
    # 2026-01-06, Epiphany (Tuesday): nothing counts until Wednesday 09:00.
    assert add_business_hours(at("2026-01-06", "10:00"), 8, CALENDAR) == at("2026-01-07", "17:00")


def test_time_outside_opening_hours_does_not_count():
    assert add_business_hours(at("2026-03-10", "07:00"), 1, CALENDAR) == at("2026-03-10", "10:00")
    assert add_business_hours(at("2026-03-10", "20:00"), 1, CALENDAR) == at("2026-03-11", "10:00")


def test_the_shops_own_closed_day_counts_like_a_holiday():
    closed = Calendar(tz=MADRID, hours=DEFAULT_HOURS, is_closed=lambda day: day == dt.date(2026, 3, 16))
    assert add_business_hours(at("2026-03-13", "17:00"), 8, closed) == at("2026-03-17", "16:00")


def test_a_day_the_clocks_change_is_counted_as_long_as_it_is():
    # 2026-03-29: Madrid moves to summer time at 02:00; opening hours are local.
    sunday_open = Calendar(tz=MADRID, hours={6: ((dt.time(0), dt.time(6)),)})
    assert add_business_hours(at("2026-03-29", "00:00"), 5, sunday_open) == at("2026-03-29", "06:00")


def test_waiting_for_the_customer_pauses_the_clock_and_the_answer_resumes_it():
    opened = at("2026-03-10", "09:00")
    waiting, back = at("2026-03-10", "11:00"), at("2026-03-11", "09:00")
    paused = clocks_for(
        CaseFacts(
            opened_at=opened,
            history=((waiting, "waiting_customer"),),
            first_response_at=waiting,
            status="waiting_customer",
        ),
        TARGETS,
        CALENDAR,
    )
    assert paused.resolution.due_at is None
    assert paused.resolution.state(at("2026-03-20", "10:00")) == "paused"
    assert paused.next_due() is None

    resumed = clocks_for(
        CaseFacts(
            opened_at=opened,
            history=((waiting, "waiting_customer"), (back, "in_progress")),
            first_response_at=waiting,
            awaiting_since=back,
            status="in_progress",
        ),
        TARGETS,
        CALENDAR,
    )
    # Two hours counted before the pause, six after it.
    assert resumed.resolution.due_at == at("2026-03-11", "15:00")
    assert resumed.next_response.due_at == at("2026-03-11", "13:00")
    assert resumed.next_due().name == "next_response"


def test_first_response_clock_stops_when_we_answer():
    opened = at("2026-03-10", "09:00")
    clocks = clocks_for(
        CaseFacts(opened_at=opened, first_response_at=at("2026-03-10", "12:00"), status="in_progress"),
        TARGETS,
        CALENDAR,
    )
    assert clocks.first_response.due_at == at("2026-03-10", "11:00")
    assert clocks.first_response.state(at("2026-03-10", "13:00")) == "missed"
    assert clocks.next_due().name == "resolution"


def test_due_soon_at_three_quarters_then_breached():
    opened = at("2026-03-10", "09:00")
    clock = clocks_for(CaseFacts(opened_at=opened), TARGETS, CALENDAR).resolution
    assert clock.due_soon_at == at("2026-03-10", "15:00")
    assert clock.state(at("2026-03-10", "14:59")) == "ok"
    assert clock.state(at("2026-03-10", "15:00")) == "due_soon"
    assert clock.state(at("2026-03-10", "17:00")) == "breached"


def test_due_soon_ratio_is_configurable():
    clock = clocks_for(
        CaseFacts(opened_at=at("2026-03-10", "09:00")), TARGETS, CALENDAR, due_soon_ratio=0.5
    ).resolution
    assert clock.due_soon_at == at("2026-03-10", "13:00")


def test_a_reopened_case_gets_new_due_times():
    opened, resolved, reopened = (
        at("2026-03-10", "09:00"),
        at("2026-03-10", "12:00"),
        at("2026-03-12", "10:00"),
    )
    clocks = clocks_for(
        CaseFacts(
            opened_at=opened,
            first_response_at=opened,
            history=((resolved, "resolved"), (reopened, "open")),
            awaiting_since=reopened,
            status="open",
        ),
        TARGETS,
        CALENDAR,
    )
    assert clocks.resolution.due_at == at("2026-03-12", "18:00")
    assert clocks.resolution.running
    assert clocks.next_response.due_at == at("2026-03-12", "14:00")


def test_a_resolved_case_stops_every_clock_and_says_met_or_missed():
    opened = at("2026-03-10", "09:00")
    clocks = clocks_for(
        CaseFacts(
            opened_at=opened,
            first_response_at=at("2026-03-10", "10:00"),
            awaiting_since=at("2026-03-10", "11:00"),
            resolved_at=at("2026-03-11", "12:00"),
            status="resolved",
            history=((at("2026-03-11", "12:00"), "resolved"),),
        ),
        TARGETS,
        CALENDAR,
    )
    assert clocks.next_due() is None
    assert clocks.next_response is None
    assert clocks.first_response.state(opened) == "met"
    assert clocks.resolution.state(opened) == "missed"

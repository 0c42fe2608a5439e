"""Birthday notes: each customer's own date and morning, and 29 February in common years."""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from followups import planner
from followups.models import Kind, Message

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
HONOLULU = zoneinfo.ZoneInfo("Pacific/Honolulu")


@pytest.fixture
def nine_am(rules):
    rules.birthday_hour = 9
    rules.save()
    return rules


def notes():
    return {m.customer_id: m for m in Message.objects.filter(kind=Kind.BIRTHDAY)}


def test_a_customer_far_east_gets_the_note_in_their_own_morning(shop, nine_am):
    tokyo = shop.customer(birth_date=dt.date(1990, 3, 10), time_zone="Asia/Tokyo")
    # 23:00 in Madrid on the 9th is already 07:00 on the 10th in Tokyo.
    with time_machine.travel(dt.datetime(2026, 3, 9, 23, 0, tzinfo=MADRID), tick=False):
        planner.birthdays_sweep()
    note = notes()[tokyo.pk]
    assert note.planned_at == dt.datetime(2026, 3, 10, 9, 0, tzinfo=TOKYO)
    assert note.planned_at.astimezone(MADRID).hour == 1  # not at the shop's noon


def test_a_customer_far_west_is_not_greeted_on_the_eve(shop, nine_am):
    honolulu = shop.customer(birth_date=dt.date(1990, 3, 10), time_zone="Pacific/Honolulu")
    # Madrid's 10th at 08:00 is still the 9th in Honolulu: the note waits for their own 10th.
    with time_machine.travel(dt.datetime(2026, 3, 10, 8, 0, tzinfo=MADRID), tick=False):
        planner.birthdays_sweep()
    assert notes()[honolulu.pk].planned_at == dt.datetime(2026, 3, 10, 9, 0, tzinfo=HONOLULU)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.datetime(2027, 2, 28, 6, 0, tzinfo=MADRID), dt.date(2027, 2, 28)),  # common year: the 28th
        (dt.datetime(2028, 2, 28, 6, 0, tzinfo=MADRID), None),  # leap year: not yet on the 28th...
        (dt.datetime(2028, 2, 29, 6, 0, tzinfo=MADRID), dt.date(2028, 2, 29)),  # ...but on the 29th
    ],
)
def test_leap_day_birthdays_are_kept_on_28_february_in_common_years(shop, nine_am, today, expected):
    leapling = shop.customer(birth_date=dt.date(2000, 2, 29))
    with time_machine.travel(today, tick=False):
        planner.birthdays_sweep()
    note = notes().get(leapling.pk)
    planned_day = note.planned_at.astimezone(MADRID).date() if note else None
    if expected is None:
        assert planned_day != today.date()
    else:
        assert planned_day == expected
        assert note.dedupe_key == f"birthday:{leapling.pk}:{expected.year}"


def test_one_note_a_year_however_often_the_sweep_runs(shop, nine_am):
    customer = shop.customer(birth_date=dt.date(1990, 3, 10))
    for hour in (0, 6, 8, 12, 20):
        with time_machine.travel(dt.datetime(2026, 3, 10, hour, 0, tzinfo=MADRID), tick=False):
            planner.birthdays_sweep()
    assert Message.objects.filter(kind=Kind.BIRTHDAY, customer=customer).count() == 1

"""The date rules, one set for every way in: the CSV import, the API, the admin and the services.

Each rule returns the problem as a sentence a person can act on, or None, so every edge reports it
its own way (a per-row import error, a 400 field message, a form error) without paying for an
exception on the import's fast path.

Why these bounds: a date the database or Python cannot hold breaks later and far away. Year 9999
overflows when the planner adds days to it (the import committed, then planned nothing); 0001-01-01
at +01:00 is 1 BC in UTC, which PostgreSQL stores and Python cannot read back (500 on every page
showing it); an offset beyond ±15:59 is valid Python and refused by PostgreSQL. So order times are
real order times, deliveries follow their order, birth dates are in the past, and any time a
client sends keeps an offset PostgreSQL accepts.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import IsoDateTimeFilter
from django_filters.fields import IsoDateTimeField

EARLIEST_ORDER = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
FUTURE_SLACK = dt.timedelta(days=1)  # a shop's clock a little ahead, or a far-east time zone
DELIVERY_SPAN = dt.timedelta(days=731)  # two years, a leap day included
EARLIEST_BIRTH = dt.date(1900, 1, 1)
MAX_OFFSET = dt.timedelta(hours=15, minutes=59)  # PostgreSQL's limit for a time zone displacement


def offset_problem(value: dt.datetime) -> str | None:
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        return _("The time zone offset must be between -15:59 and +15:59.")
    return None


def moment_problem(value: dt.datetime) -> str | None:
    """Any time a client sends (a filter bound): an offset PostgreSQL reads, a year it stores."""
    problem = offset_problem(value)
    if problem is None and value.tzinfo is not None:
        try:
            value.astimezone(dt.UTC)
        except OverflowError:
            problem = _("The date is out of range.")
    return problem


def latest_order(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) + FUTURE_SLACK


def order_time_problem(value: dt.datetime, *, latest: dt.datetime | None = None) -> str | None:
    """An aware order time, from 2000-01-01 to tomorrow (`latest`, computed once per import)."""
    problem = offset_problem(value)
    if problem is None and not EARLIEST_ORDER <= value <= (latest or latest_order()):
        problem = _("An order time must be between 2000-01-01 and tomorrow.")
    return problem


def delivered_time_problem(value: dt.datetime, *, ordered_at: dt.datetime) -> str | None:
    problem = offset_problem(value)
    if problem is None and value < ordered_at:
        problem = _("A delivery cannot arrive before the order was placed.")
    elif problem is None and value > ordered_at + DELIVERY_SPAN:
        problem = _("A delivery must arrive within two years of the order.")
    return problem


def delivery_date_bounds(ordered_at: dt.datetime, *, zone: dt.tzinfo | None = None) -> tuple[dt.date, ...]:
    """Promised and estimated dates: from the day before the order (the shop's calendar may be a
    time zone behind ours) to two years after it. The order's day is in `zone`, by default the
    current time zone (the import passes it, read once: reading it costs more than the rest)."""
    day = timezone.localdate(ordered_at) if zone is None else ordered_at.astimezone(zone).date()
    return day - dt.timedelta(days=1), day + DELIVERY_SPAN


def delivery_date_problem(value: dt.date, *, bounds: tuple[dt.date, dt.date]) -> str | None:
    if not bounds[0] <= value <= bounds[1]:
        return _("A delivery date must be within two years after the order date.")
    return None


def birth_date_problem(value: dt.date, *, today: dt.date | None = None) -> str | None:
    if not EARLIEST_BIRTH <= value <= (today or timezone.localdate()):
        return _("A birth date must be between 1900-01-01 and today.")
    return None


def delivery_problems(values: dict, *, ordered_at: dt.datetime) -> dict[str, str]:
    """The delivery's dates (delivered_at, promised_date, estimated_date) against its order's time."""
    problems = {}
    delivered_at = values.get("delivered_at")
    if delivered_at:
        problem = delivered_time_problem(delivered_at, ordered_at=ordered_at)
        if problem:
            problems["delivered_at"] = problem
    bounds = delivery_date_bounds(ordered_at)
    for name in ("promised_date", "estimated_date"):
        if values.get(name):
            problem = delivery_date_problem(values[name], bounds=bounds)
            if problem:
                problems[name] = problem
    return problems


def check(problem: str | None) -> None:
    """For form and model field cleaning: the rule's problem as a ValidationError."""
    if problem:
        raise ValidationError(problem)


class SafeIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        value = super().to_python(value)
        if value is not None:
            check(moment_problem(value))
        return value


class SafeIsoDateTimeFilter(IsoDateTimeFilter):
    """An ISO 8601 filter bound that refuses what the database would fail on (a 400, not a 500)."""

    field_class = SafeIsoDateTimeField

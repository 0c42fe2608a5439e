"""SLA clocks in business hours: pure functions over a calendar and a case's facts.

Nothing here reads the database or the clock. The services pass in the shop's calendar (opening
intervals per weekday, closed days), a case's status history and its message times, and store the
due times this module returns; everything can be recomputed from those facts at any time, so a
changed calendar or target never leaves a drifting counter behind.

All arithmetic is done in UTC on intervals cut from the shop's local opening hours, so a day on
which the clocks change (DST) has the length it really has.
"""

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

# Far enough to cross any run of holidays, close enough to stop on a calendar with no hours.
MAX_DAYS = 800
WAITING = "waiting_customer"
DONE_STATUSES = ("resolved", "closed")

Interval = tuple[dt.datetime, dt.datetime]
Pause = tuple[dt.datetime, dt.datetime | None]


@dataclass(frozen=True)
class Calendar:
    """Opening hours per weekday (0 = Monday) as local (start, end) times, in `tz`."""

    tz: zoneinfo.ZoneInfo
    hours: dict[int, tuple[tuple[dt.time, dt.time], ...]]
    is_closed: Callable[[dt.date], bool] = lambda day: False

    def day_intervals(self, day: dt.date) -> list[Interval]:
        if self.is_closed(day):
            return []
        return [
            (_utc(day, start, self.tz), _utc(day, end, self.tz))
            for start, end in self.hours.get(day.weekday(), ())
        ]

    def periods_from(self, start: dt.datetime) -> Iterator[Interval]:
        """The open business intervals from `start` on, clipped to it, in UTC."""
        start = start.astimezone(dt.UTC)
        day = start.astimezone(self.tz).date()
        for _ in range(MAX_DAYS):
            for a, b in self.day_intervals(day):
                a = max(a, start)
                if a < b:
                    yield a, b
            day += dt.timedelta(days=1)


DEFAULT_HOURS = {weekday: ((dt.time(9), dt.time(18)),) for weekday in range(5)}


def _utc(day: dt.date, time: dt.time, tz) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=tz).astimezone(dt.UTC)


def _minus(period: Interval, pauses: list[Pause]) -> Iterator[Interval]:
    a, b = period
    for p, q in pauses:
        q = q or dt.datetime.max.replace(tzinfo=dt.UTC)
        if q <= a or p >= b:
            continue
        if p > a:
            yield a, p
        a = max(a, q)
        if a >= b:
            return
    if a < b:
        yield a, b


def add_business_hours(
    start: dt.datetime, hours: float, calendar: Calendar, pauses: Iterable[Pause] = ()
) -> dt.datetime | None:
    """The moment `hours` of open, unpaused business time after `start`; None while a pause
    that has not ended stops the clock (or the calendar never opens)."""
    pauses = sorted(pauses, key=lambda pause: pause[0])
    remaining = dt.timedelta(hours=hours)
    for period in calendar.periods_from(start):
        for a, b in _minus(period, pauses):
            if b - a >= remaining:
                return a + remaining
            remaining -= b - a
        if any(q is None and p <= period[1] for p, q in pauses):
            return None
    return None


@dataclass(frozen=True)
class Targets:
    """Business hours to first response, to each next response and to resolution."""

    first_response: float
    next_response: float
    resolution: float


@dataclass(frozen=True)
class CaseFacts:
    opened_at: dt.datetime
    # (when, new status), oldest first; the opening status need not be in it.
    history: tuple[tuple[dt.datetime, str], ...] = ()
    first_response_at: dt.datetime | None = None
    # The oldest customer message nobody has answered yet.
    awaiting_since: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    status: str = "open"


@dataclass(frozen=True)
class Clock:
    name: str  # first_response | next_response | resolution
    started_at: dt.datetime
    target_hours: float
    due_at: dt.datetime | None  # None: paused
    due_soon_at: dt.datetime | None
    done_at: dt.datetime | None = None

    @property
    def running(self) -> bool:
        return self.done_at is None

    def state(self, now: dt.datetime) -> str:
        """met / missed for a stopped clock; paused, breached, due_soon or ok for a running one."""
        if self.done_at is not None:
            return "missed" if self.due_at is not None and self.done_at > self.due_at else "met"
        if self.due_at is None:
            return "paused"
        if now >= self.due_at:
            return "breached"
        if self.due_soon_at is not None and now >= self.due_soon_at:
            return "due_soon"
        return "ok"


@dataclass(frozen=True)
class Clocks:
    first_response: Clock
    next_response: Clock | None
    resolution: Clock
    all: tuple[Clock, ...] = field(default=())

    def next_due(self) -> Clock | None:
        """The running clock that falls due first (paused ones have no due time)."""
        running = [c for c in self.all if c.running and c.due_at is not None]
        return min(running, key=lambda c: c.due_at) if running else None


def pauses_of(facts: CaseFacts) -> list[Pause]:
    """The spans spent waiting for the customer, from the status history."""
    pauses: list[Pause] = []
    since = None
    for at, status in facts.history:
        if status == WAITING and since is None:
            since = at
        elif status != WAITING and since is not None:
            pauses.append((since, at))
            since = None
    if since is not None:
        pauses.append((since, None))
    return pauses


def cycle_start(facts: CaseFacts) -> dt.datetime:
    """When the current round of work began: the opening, or the latest reopening."""
    start, previous = facts.opened_at, None
    for at, status in facts.history:
        if previous in DONE_STATUSES and status not in DONE_STATUSES:
            start = at
        previous = status
    return start


def _clock(name, start, hours, calendar, pauses, done_at, due_soon_ratio) -> Clock:
    # A stopped clock is judged against the pauses as they were then, never an open one later.
    relevant = [(p, q) for p, q in pauses if done_at is None or p < done_at]
    if done_at is not None:
        relevant = [(p, q if q is not None else done_at) for p, q in relevant]
    return Clock(
        name=name,
        started_at=start,
        target_hours=hours,
        due_at=add_business_hours(start, hours, calendar, relevant),
        due_soon_at=add_business_hours(start, hours * due_soon_ratio, calendar, relevant),
        done_at=done_at,
    )


def clocks_for(
    facts: CaseFacts, targets: Targets, calendar: Calendar, *, due_soon_ratio: float = 0.75
) -> Clocks:
    """The three clocks of a case as its facts stand."""
    pauses = pauses_of(facts)
    start = cycle_start(facts)
    resolved = facts.resolved_at if facts.status in DONE_STATUSES else None
    first = _clock(
        "first_response",
        facts.opened_at,
        targets.first_response,
        calendar,
        pauses,
        facts.first_response_at or resolved,
        due_soon_ratio,
    )
    resolution = _clock("resolution", start, targets.resolution, calendar, pauses, resolved, due_soon_ratio)
    following = None
    if facts.awaiting_since is not None and facts.first_response_at is not None and not resolved:
        following = _clock(
            "next_response",
            facts.awaiting_since,
            targets.next_response,
            calendar,
            pauses,
            None,
            due_soon_ratio,
        )
    every = tuple(c for c in (first, following, resolution) if c is not None)
    return Clocks(first_response=first, next_response=following, resolution=resolution, all=every)

"""The shop's business calendar and SLA targets as customers/sla.py reads them.

The managers' row (BusinessCalendar, pk=1) holds opening hours, country and region for the public
holidays (the `holidays` package), the due-soon share and the targets per severity; ClosedDay the
shop's own closed days. Anything left empty falls back to the defaults here.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

import holidays
from django.conf import settings
from django.core.cache import cache

from customers.choices import Severity
from customers.models import BusinessCalendar, ClosedDay
from customers.sla import DEFAULT_HOURS, Calendar, Targets

# Business hours to first response, to each next response and to resolution, per severity.
DEFAULT_TARGETS = {
    Severity.CRITICAL: (1, 2, 4),
    Severity.HIGH: (2, 4, 8),
    Severity.NORMAL: (4, 8, 24),
    Severity.LOW: (8, 16, 72),
}


@dataclass(frozen=True)
class ShopSla:
    calendar: Calendar
    targets: dict[str, Targets]
    due_soon_ratio: float

    def targets_for(self, severity: str, resolution_hours: Decimal | None = None) -> Targets:
        targets = self.targets[severity]
        if resolution_hours is None:
            return targets
        return Targets(targets.first_response, targets.next_response, float(resolution_hours))


def parse_hours(raw: dict) -> dict[int, tuple[tuple[dt.time, dt.time], ...]]:
    """{"0": [["09:00", "14:00"], ["16:00", "19:00"]]} -> weekday to (start, end) times."""
    return {
        int(day): tuple((dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for a, b in spans)
        for day, spans in raw.items()
    }


def format_hours(hours: dict[int, tuple[tuple[dt.time, dt.time], ...]]) -> dict:
    return {
        str(day): [[a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in spans]
        for day, spans in sorted(hours.items())
    }


CACHE_KEY = "postsale:shop-sla"
# Every service that writes a case reads the calendar: it is cached, and the managers' edit drops
# the cached copy (other processes see it within this long at worst).
CACHE_SECONDS = 60


def _stored() -> dict:
    row = BusinessCalendar.objects.filter(pk=1).first() or BusinessCalendar(pk=1)
    return {
        "time_zone": row.time_zone,
        "country": row.country,
        "subdivision": row.subdivision,
        "opening_hours": row.opening_hours,
        "targets": row.targets,
        "due_soon_percent": row.due_soon_percent,
        "closed": sorted(ClosedDay.objects.values_list("date", flat=True)),
    }


def shop_sla_forget() -> None:
    """The calendar or the targets changed: the next read takes them from the database."""
    cache.delete(CACHE_KEY)


def shop_sla() -> ShopSla:
    """The calendar and targets as they stand (cached; two small queries on a miss)."""
    row = cache.get(CACHE_KEY)
    if row is None:
        row = _stored()
        cache.set(CACHE_KEY, row, CACHE_SECONDS)
    tz = zoneinfo.ZoneInfo(row["time_zone"] or settings.TIME_ZONE)
    closed = set(row["closed"])
    public = (
        holidays.country_holidays(row["country"], subdiv=row["subdivision"] or None) if row["country"] else {}
    )
    hours = parse_hours(row["opening_hours"]) if row["opening_hours"] else DEFAULT_HOURS
    targets = {
        severity: Targets(*map(float, row["targets"].get(severity, default)))
        for severity, default in DEFAULT_TARGETS.items()
    }
    return ShopSla(
        calendar=Calendar(tz=tz, hours=hours, is_closed=lambda day: day in closed or day in public),
        targets=targets,
        due_soon_ratio=row["due_soon_percent"] / 100,
    )

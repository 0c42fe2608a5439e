"""What every metric is computed over: a period [start, end) of the shop's calendar days, and
optionally one sales channel and one product category."""

import datetime as dt
from dataclasses import dataclass, replace

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from customers.models import Sale, SaleLine

# Periods up to this long are drawn week by week, longer ones month by month.
WEEKLY_UP_TO_DAYS = 92


@dataclass(frozen=True)
class Scope:
    start: dt.date
    end: dt.date  # exclusive
    channel: str = ""
    category: str = ""

    @property
    def since(self) -> dt.datetime:
        return _midnight(self.start)

    @property
    def until(self) -> dt.datetime:
        return _midnight(self.end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def filtered(self) -> bool:
        return bool(self.channel or self.category)

    def previous(self) -> "Scope":
        """The period of the same length just before, with the same filters."""
        return replace(self, start=self.start - dt.timedelta(days=self.days), end=self.start)

    @property
    def weekly(self) -> bool:
        return self.days <= WEEKLY_UP_TO_DAYS

    def bucket(self, field: str):
        """The trend's time bucket of a datetime column: its week (Monday) or its month."""
        tz = timezone.get_current_timezone()
        return TruncWeek(field, tzinfo=tz) if self.weekly else TruncMonth(field, tzinfo=tz)

    def buckets(self) -> list[dt.date]:
        """Every bucket start the period touches, so a trend shows empty weeks too."""
        if self.weekly:
            first = self.start - dt.timedelta(days=self.start.weekday())
            return [
                first + dt.timedelta(weeks=n)
                for n in range((self.end - first).days // 7 + ((self.end - first).days % 7 > 0))
            ]
        months, month = [], self.start.replace(day=1)
        while month < self.end:
            months.append(month)
            month = add_months(month, 1)
        return months

    # --- filters, as SQL -----------------------------------------------------------------

    def sales(self) -> QuerySet[Sale]:
        """Sales of the chosen channel holding a line of the chosen category (any period)."""
        sales = Sale.objects.all()
        if self.channel:
            sales = sales.filter(channel=self.channel)
        if self.category:
            sales = sales.filter(Exists(SaleLine.objects.filter(sale=OuterRef("pk"), category=self.category)))
        return sales

    def sale_q(self, sale_ref: str) -> Q:
        """A filter on any table whose rows belong to a sale: `sale_ref` is the column (or
        alias) holding the sale's id. Rows with no sale drop out once a filter is set."""
        if not self.filtered:
            return Q()
        return Q(Exists(self.sales().filter(pk=OuterRef(sale_ref))))


def _midnight(day: dt.date) -> dt.datetime:
    if isinstance(day, dt.datetime):  # an exact instant (surveys.selectors' older calls)
        return day
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def bucket_date(value) -> dt.date:
    """A Trunc result as a date, whatever the database hands back."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value

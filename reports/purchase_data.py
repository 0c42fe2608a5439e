"""Each buyer's purchase history in the purchase model's terms, in one set-based query.

A transaction is a distinct purchase day in the shop's time zone (two orders on one day are one
visit). Days travel as whole numbers since 1970-01-01 so that every time the model reads (t_x, T,
the holdout window) is arithmetic on arrays, never a Python date per customer.
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import Count, FloatField, Func, IntegerField, Max, Min, Q, Sum
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone

from customers.models import Sale

EPOCH = dt.date(1970, 1, 1)
FETCH_ROWS = 50_000


class DayNumber(Func):
    """A date as days since 1970-01-01, in the database (PostgreSQL subtracts dates to an
    integer; SQLite counts Julian days)."""

    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s - DATE '1970-01-01')", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)", **extra
        )


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


@dataclass
class PurchaseSummary:
    """Column arrays, one row per buyer, ordered by customer id."""

    customer_id: np.ndarray
    days: np.ndarray  # distinct purchase days up to as_of
    first: np.ndarray  # day number of the first purchase
    last: np.ndarray  # day number of the last purchase
    spend: np.ndarray  # sum of sale totals
    days_before_cut: np.ndarray  # purchase days up to the cut (the holdout's calibration end)
    last_before_cut: np.ndarray  # day number of the last of them, -1 when none

    def __len__(self) -> int:
        return len(self.customer_id)

    def take(self, rows: np.ndarray) -> "PurchaseSummary":
        return PurchaseSummary(*(getattr(self, name)[rows] for name in self.__dataclass_fields__))


def _day_end(day: dt.date) -> dt.datetime:
    """The first instant after this day in the shop's time zone."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


def purchase_summary(*, as_of: dt.date, cut: dt.date) -> PurchaseSummary:
    """Per buyer with a sale on or before as_of: distinct days, first, last, spend, and the same
    counted up to `cut` (which the holdout check treats as the end of its calibration).

    One pass over the sales, grouped by customer (no per-day subquery: a distinct count per
    customer is cheaper than grouping every (customer, day) first).
    """
    cut_day = day_number(cut)
    before_cut = Q(dn__lte=cut_day)
    per_customer = (
        Sale.objects.filter(ordered_at__lt=_day_end(as_of))
        .annotate(dn=DayNumber(TruncDate("ordered_at")))
        .values("customer_id")
        .annotate(
            days=Count("dn", distinct=True),
            first=Min("dn"),
            last=Max("dn"),
            spend=Cast(Sum("total"), FloatField()),
            days_before=Count("dn", distinct=True, filter=before_cut),
            last_before=Coalesce(Max("dn", filter=before_cut), -1),
        )
        .values_list("customer_id", "days", "first", "last", "spend", "days_before", "last_before")
        .order_by()
    )
    sql, params = per_customer.query.sql_with_params()
    chunks = []
    # A server-side cursor on PostgreSQL: a million buyers arrive FETCH_ROWS at a time, and
    # straight into arrays (no model instance, no Python date per row).
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH_ROWS):
            chunks.append(np.array(rows, dtype=np.float64))
    table = np.concatenate(chunks) if chunks else np.empty((0, 7))
    del chunks
    order = np.argsort(table[:, 0], kind="stable")
    column = {
        name: table[order, i]
        for i, name in enumerate(
            ["customer_id", "days", "first", "last", "spend", "days_before_cut", "last_before_cut"]
        )
    }
    return PurchaseSummary(
        **{name: values if name == "spend" else values.astype(np.int64) for name, values in column.items()}
    )

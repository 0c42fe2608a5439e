"""Each buyer's purchase history in the purchase model's terms, in one set-based query.

A transaction is a distinct purchase day in the shop's time zone (two orders on one day are one
visit). Days travel as whole numbers since 1970-01-01 so that every time the model reads (t_x, T,
the holdout window) is arithmetic on arrays, never a Python date per customer.
"""

# ruff: noqa: S608 - the SQL is assembled from table names, constants and the ORM's own
# compiled query; values only ever travel as query parameters or COPY data.
import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from customers.models import Sale

EPOCH = dt.date(1970, 1, 1)
FETCH_ROWS = 50_000

# A day, as the inner query gives it (a date on PostgreSQL, 'YYYY-MM-DD' text on SQLite), as a
# day number.
DAY_NUMBER = {
    "postgresql": "(d0.day - DATE '1970-01-01')",
    "sqlite": "CAST(julianday(d0.day) - 2440587.5 AS INTEGER)",
}


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
    counted up to `cut` (which the holdout check treats as the end of its calibration)."""
    per_day = (Sale.objects.filter(ordered_at__lt=_day_end(as_of))
               .annotate(day=TruncDate("ordered_at")).values("customer_id", "day")
               .annotate(amount=Sum("total")).order_by())
    inner, params = per_day.query.sql_with_params()
    cut_day = day_number(cut)
    sql = (
        "SELECT d.customer_id, COUNT(*), MIN(d.dn), MAX(d.dn), CAST(SUM(d.amount) AS DOUBLE PRECISION), "
        "SUM(CASE WHEN d.dn <= %s THEN 1 ELSE 0 END), COALESCE(MAX(CASE WHEN d.dn <= %s THEN d.dn END), -1) "
        f"FROM (SELECT d0.customer_id, d0.amount, {DAY_NUMBER[connection.vendor]} AS dn "
        f"FROM ({inner}) d0) d GROUP BY d.customer_id"
    )
    chunks = []
    # A server-side cursor on PostgreSQL: a million buyers arrive FETCH_ROWS at a time.
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, [cut_day, cut_day, *params])
        while rows := cursor.fetchmany(FETCH_ROWS):
            chunks.append(np.array(rows, dtype=np.float64))
    table = np.concatenate(chunks) if chunks else np.empty((0, 7))
    table = table[np.argsort(table[:, 0], kind="stable")]
    ints = table[:, [0, 1, 2, 3, 5, 6]].astype(np.int64)
    return PurchaseSummary(customer_id=ints[:, 0], days=ints[:, 1], first=ints[:, 2],
                           last=ints[:, 3], spend=table[:, 4], days_before_cut=ints[:, 4],
                           last_before_cut=ints[:, 5])

"""Writing a million scores: one transaction, COPY on PostgreSQL, batched INSERTs elsewhere.

The table is emptied and refilled rather than updated row by row: every buyer's score changes
with every fit, so an UPDATE would rewrite each row anyway and cost a lookup per row on top.
"""

# ruff: noqa: S608 - the SQL is assembled from table names, constants and the ORM's own
# compiled query; values only ever travel as query parameters or COPY data.
import datetime as dt
from itertools import islice

import numpy as np
from django.db import connection, transaction

from reports.models import CustomerPrediction, PredictionHistory

BATCH_ROWS = 20_000
HISTORY_WEEKS = 12
COLUMNS = ["customer_id", "as_of", "fitted_at", "repeat_purchases", "weeks_to_last",
           "weeks_since_first", "spend", "p_alive", "expected_13w", "expected_52w", "value",
           "valuable", "at_risk"]
TABLE = CustomerPrediction._meta.db_table
HISTORY_TABLE = PredictionHistory._meta.db_table


def _rows(*, summary, x, t_x, T, scores, as_of, fitted_at, null, true, false):
    value = scores["value"]
    values = (np.round(value, 2) if value is not None else np.full(len(x), np.nan)).tolist()
    day, stamp = as_of.isoformat(), fitted_at.isoformat()
    for cid, n, tx, big_t, spend, pa, e13, e52, v, valuable, risk in zip(
            summary.customer_id.tolist(), x.tolist(), t_x.tolist(), T.tolist(),
            np.round(summary.spend, 2).tolist(), scores["p_alive"].tolist(),
            scores["expected_13w"].tolist(), scores["expected_52w"].tolist(), values,
            scores["valuable"].tolist(), scores["at_risk"].tolist(), strict=True):
        yield (cid, day, stamp, n, tx, big_t, f"{spend:.2f}", pa, e13, e52,
               null if v != v else f"{v:.2f}", true if valuable else false, true if risk else false)


def scores_write(*, summary, x, t_x, T, scores, as_of: dt.date, fitted_at: dt.datetime) -> None:
    """Replace every score with these, atomically: readers see the old set until commit."""
    postgres = connection.vendor == "postgresql"
    rows = _rows(summary=summary, x=x, t_x=t_x, T=T, scores=scores, as_of=as_of, fitted_at=fitted_at,
                 null="\\N" if postgres else None, true="t" if postgres else True,
                 false="f" if postgres else False)
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            # Two refits at once (beat and the command) would both delete, then both insert;
            # EXCLUSIVE lets readers in and makes the second writer wait for the first.
            cursor.execute(f"LOCK TABLE {TABLE} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {TABLE}")
        if postgres:
            cursor.copy_expert(f"COPY {TABLE} ({', '.join(COLUMNS)}) FROM STDIN", _CopySource(rows))
        else:
            marks = ", ".join(["%s"] * len(COLUMNS))
            sql = f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({marks})"
            while batch := list(islice(rows, BATCH_ROWS)):
                cursor.executemany(sql, batch)
        if postgres:
            cursor.execute(f"ANALYZE {TABLE}")


class _CopySource:
    """A file-like object whose read() hands COPY the next BATCH_ROWS rows in its text format."""

    def __init__(self, rows):
        self.rows = rows

    def read(self, size: int = -1) -> str:
        return "".join("\t".join(map(str, row)) + "\n" for row in islice(self.rows, BATCH_ROWS))


def history_snapshot(*, week: dt.date) -> None:
    """Keep this week's P(alive) for the trend, once (the week's first fit), set-based, and drop
    the weeks older than HISTORY_WEEKS."""
    with transaction.atomic(), connection.cursor() as cursor:
        if not PredictionHistory.objects.filter(week=week).exists():
            cursor.execute(f"INSERT INTO {HISTORY_TABLE} (customer_id, week, p_alive) "
                           f"SELECT customer_id, %s, p_alive FROM {TABLE}", [week])
        cursor.execute(f"DELETE FROM {HISTORY_TABLE} WHERE week <= %s",
                       [week - dt.timedelta(weeks=HISTORY_WEEKS)])

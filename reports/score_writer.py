"""Writing a million scores: one transaction, binary COPY on PostgreSQL, batched INSERTs elsewhere.

The table is emptied and refilled rather than updated row by row: every buyer's score changes
with every fit, so an UPDATE would rewrite each row anyway and cost a lookup per row on top.
"""

# ruff: noqa: S608 - the SQL is assembled from table names, constants and the ORM's own
# compiled query; values only ever travel as query parameters or COPY data.
import datetime as dt
import struct
from itertools import islice

import numpy as np
from django.db import connection, transaction

from reports.models import CustomerPrediction, PredictionHistory

BATCH_ROWS = 20_000
HISTORY_WEEKS = 12
COLUMNS = [
    "customer_id",
    "as_of",
    "fitted_at",
    "repeat_purchases",
    "weeks_to_last",
    "weeks_since_first",
    "spend",
    "p_alive",
    "expected_13w",
    "expected_52w",
    "value",
    "valuable",
    "at_risk",
]
TABLE = CustomerPrediction._meta.db_table
HISTORY_TABLE = PredictionHistory._meta.db_table


def _rows(*, summary, x, t_x, T, scores, as_of, fitted_at, null, true, false):
    """The rows to write, converted to Python a slice at a time (a million floats as Python
    objects at once would cost some 30 MB per column)."""
    value = scores["value"]
    value = np.round(value, 2) if value is not None else np.full(len(x), np.nan)
    columns = [
        summary.customer_id,
        x,
        t_x,
        T,
        np.round(summary.spend, 2),
        scores["p_alive"],
        scores["expected_13w"],
        scores["expected_52w"],
        value,
        scores["valuable"],
        scores["at_risk"],
    ]
    day, stamp = as_of.isoformat(), fitted_at.isoformat()
    for start in range(0, len(x), BATCH_ROWS):
        piece = [column[start : start + BATCH_ROWS].tolist() for column in columns]
        for cid, n, tx, big_t, spend, pa, e13, e52, v, valuable, risk in zip(*piece, strict=True):
            yield (
                cid,
                day,
                stamp,
                n,
                tx,
                big_t,
                f"{spend:.2f}",
                pa,
                e13,
                e52,
                null if v != v else f"{v:.2f}",
                true if valuable else false,
                true if risk else false,
            )


def scores_write(*, summary, x, t_x, T, scores, as_of: dt.date, fitted_at: dt.datetime) -> None:
    """Replace every score with these, atomically: readers see the old set until commit."""
    if connection.vendor != "postgresql":
        _insert(
            _rows(
                summary=summary,
                x=x,
                t_x=t_x,
                T=T,
                scores=scores,
                as_of=as_of,
                fitted_at=fitted_at,
                null=None,
                true=True,
                false=False,
            )
        )
        return
    with transaction.atomic(), connection.cursor() as cursor:
        # Two refits at once (beat and the command) would both delete, then both insert;
        # EXCLUSIVE lets readers in and makes the second writer wait for the first.
        cursor.execute(f"LOCK TABLE {TABLE} IN EXCLUSIVE MODE")
        # Dropped at commit; dropped here too for a caller whose transaction holds two refits.
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGING}")
        cursor.execute(f"CREATE TEMPORARY TABLE {STAGING} ({STAGING_COLUMNS}) ON COMMIT DROP")
        cursor.copy_expert(
            f"COPY {STAGING} FROM STDIN WITH (FORMAT binary)",
            _BinaryCopySource(_binary_pieces(summary, x, t_x, T, scores)),
        )
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(
            f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) SELECT customer_id, %s, %s, x, t_x, big_t, "
            "spend::numeric(14, 2), p_alive, e13, e52, "
            "CASE WHEN value = 'NaN' THEN NULL ELSE value::numeric(14, 2) END, valuable, at_risk "
            f"FROM {STAGING}",
            [as_of, fitted_at],
        )
        cursor.execute(f"ANALYZE {TABLE}")


def _insert(rows) -> None:
    marks = ", ".join(["%s"] * len(COLUMNS))
    sql = f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({marks})"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
        while batch := list(islice(rows, BATCH_ROWS)):
            cursor.executemany(sql, batch)


# PostgreSQL's binary COPY: every field is its length and its big-endian bytes, so a million
# fixed-size rows are one numpy record array, written without a Python object per value.
STAGING = "purchase_scores_staging"
_FIELDS = [
    ("customer_id", ">i8", "bigint"),
    ("x", ">i4", "integer"),
    ("t_x", ">f8", "float8"),
    ("big_t", ">f8", "float8"),
    ("spend", ">f8", "float8"),
    ("p_alive", ">f8", "float8"),
    ("e13", ">f8", "float8"),
    ("e52", ">f8", "float8"),
    ("value", ">f8", "float8"),
    ("valuable", "u1", "boolean"),
    ("at_risk", "u1", "boolean"),
]
STAGING_COLUMNS = ", ".join(f"{name} {sql_type}" for name, _dtype, sql_type in _FIELDS)
_ROW = np.dtype(
    [("fields", ">i2")]
    + [pair for name, dtype, _sql in _FIELDS for pair in ((f"{name}_len", ">i4"), (name, dtype))]
)
_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_TRAILER = struct.pack(">h", -1)


def _binary_pieces(summary, x, t_x, T, scores):
    """The COPY stream: the header, BATCH_ROWS records at a time, the trailer."""
    value = scores["value"] if scores["value"] is not None else np.full(len(x), np.nan)
    columns = {
        "customer_id": summary.customer_id,
        "x": x,
        "t_x": t_x,
        "big_t": T,
        "spend": summary.spend,
        "p_alive": scores["p_alive"],
        "e13": scores["expected_13w"],
        "e52": scores["expected_52w"],
        "value": value,
        "valuable": scores["valuable"],
        "at_risk": scores["at_risk"],
    }
    yield _HEADER
    for start in range(0, len(x), BATCH_ROWS):
        rows = np.empty(min(BATCH_ROWS, len(x) - start), dtype=_ROW)
        rows["fields"] = len(_FIELDS)
        for name, dtype, _sql in _FIELDS:
            rows[f"{name}_len"] = np.dtype(dtype).itemsize
            rows[name] = columns[name][start : start + len(rows)]
        yield rows.tobytes()
    yield _TRAILER


class _BinaryCopySource:
    """A file-like object for copy_expert over those pieces."""

    def __init__(self, pieces):
        self.pieces = pieces

    def read(self, size: int = -1) -> bytes:
        return next(self.pieces, b"")


def history_snapshot(*, week: dt.date) -> None:
    """Keep this week's P(alive) for the trend, once (the week's first fit), set-based, and drop
    the weeks older than HISTORY_WEEKS."""
    with transaction.atomic(), connection.cursor() as cursor:
        if not PredictionHistory.objects.filter(week=week).exists():
            cursor.execute(
                f"INSERT INTO {HISTORY_TABLE} (customer_id, week, p_alive) "
                f"SELECT customer_id, %s, p_alive FROM {TABLE}",
                [week],
            )
        cursor.execute(
            f"DELETE FROM {HISTORY_TABLE} WHERE week <= %s", [week - dt.timedelta(weeks=HISTORY_WEEKS)]
        )

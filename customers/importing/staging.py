"""The staging table: the file's valid lines, loaded in batches, checked across lines in SQL.

A TEMP table, so it is private to this database session, costs no WAL on PostgreSQL and needs no
migration; it is dropped when the import ends. PostgreSQL loads it with one COPY fed batch by
batch, SQLite with one executemany per batch.
"""
# ruff: noqa: S608 - the SQL is assembled from table names and constants; file data only ever
# travels as query parameters or COPY data.

from collections.abc import Iterator
from itertools import islice

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from customers.importing.dialect import Dialect, copy_escape
from customers.importing.formats import Format
from customers.importing.report import MAX_ERRORS_KEPT, ImportReport
from customers.importing.validate import NULL

TABLE = "postsale_import_line"
BATCH_SIZE = 5000
TEMP_BUFFERS = "128MB"  # per session, allocated as the temp tables grow
# The order of LineCleaner.clean()'s tuple.
COLUMNS = (
    ("line_no", "int"),
    ("order_id", "text"),
    ("ordered_at", "ts"),
    ("channel", "text"),
    ("currency", "text"),
    ("customer_key", "text"),
    ("customer_email", "text"),
    ("customer_name", "text"),
    ("customer_phone", "text"),
    ("birth_date", "date"),
    ("language", "text"),
    ("sku", "text"),
    ("item_name", "text"),
    ("category", "text"),
    ("quantity", "int"),
    ("unit_price", "money"),
    ("promised_date", "date"),
    ("estimated_date", "date"),
    ("delivered_at", "ts"),
    ("carrier", "text"),
    ("tracking_number", "text"),
    ("status", "text"),
    ("offer_code", "text"),
)
SEPARATORS = len(COLUMNS) - 1
# Compared with the order's first line: the order's own fields.
ORDER_CHECKS = (
    ("customer_key", "customer_id"),
    ("ordered_at", "ordered_at"),
    ("channel", "channel"),
    ("currency", "currency"),
)
# Compared like the delivery's: an offer code given on one line holds for the order.
OFFER_CHECKS = (("offer_code", "offer_code"),)
# Compared with the order's other lines where both are filled: the delivery's fields.
DELIVERY_CHECKS = (
    ("carrier", "carrier"),
    ("tracking_number", "tracking_number"),
    ("promised_date", "promised_delivery_date"),
    ("estimated_date", "estimated_delivery_date"),
    ("delivered_at", "delivered_at"),
    ("status", "delivery_status"),
    *OFFER_CHECKS,
)


class Staging:
    def __init__(self, dialect: Dialect):
        self.d = dialect
        self.rows = 0

    def create(self) -> None:
        if self.d.postgres:
            self._more_temp_buffers()
        with self.d.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
            cursor.execute(f"CREATE TEMP TABLE {TABLE} ({self.d.columns(COLUMNS)})")

    def _more_temp_buffers(self) -> None:
        """Give this session room to keep the staging tables in memory.

        PostgreSQL's default of 8 MB makes every pass over a 200,000-line staging table write
        it out and read it back. The setting can only change before the session's first use of
        a temp table, so an import on a reused connection keeps what it has.
        """
        try:
            with transaction.atomic(), self.d.connection.cursor() as cursor:
                cursor.execute("SET temp_buffers = %s", [TEMP_BUFFERS])
        except DatabaseError:
            pass

    def drop(self) -> None:
        with self.d.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")

    def load(self, rows: Iterator[tuple]) -> None:
        """Load the rows as they come, BATCH_SIZE at a time; never more in memory."""
        if self.d.postgres:
            self._copy(rows)
            return
        marks = ", ".join(["%s"] * len(COLUMNS))
        while batch := list(islice(rows, BATCH_SIZE)):
            with transaction.atomic(), self.d.connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {TABLE} VALUES ({marks})", batch)
            self.rows += len(batch)

    def _copy(self, rows: Iterator[tuple]) -> None:
        # One COPY for the whole file, fed a batch per read: PostgreSQL parses each batch while
        # Python validates the next, where a COPY per batch would wait for it at every end.
        source = _CopySource(rows, self)
        names = ", ".join(name for name, _kind in COLUMNS)
        # atomic: a COPY aborted half-way must not leave an enclosing transaction broken.
        with transaction.atomic(), self.d.connection.cursor() as cursor:
            try:
                cursor.copy_expert(f"COPY {TABLE} ({names}) FROM STDIN", source)
            except Exception:
                if source.error is not None:  # psycopg2 reports only "error in .read() call"
                    raise source.error from None
                raise

    def finish(self) -> None:
        with self.d.connection.cursor() as cursor:
            if not self.d.postgres:
                # SQLite joins by nested loops, so it needs indexes; PostgreSQL hashes the whole
                # table once, and would only pay to keep them.
                for column in ("line_no", "order_id", "customer_key"):
                    cursor.execute(f"CREATE INDEX {TABLE}_{column} ON {TABLE} ({column})")
            # Autovacuum never analyzes a temp table; without statistics the merge's joins are
            # planned for a table of unknown size.
            cursor.execute(f"ANALYZE {TABLE}")

    def check_orders(self, *, fmt: Format, report: ImportReport) -> None:
        """Report the lines of an order that disagree with its other lines.

        One aggregate finds the orders whose lines disagree at all (none, in a good file); only
        their lines are then compared, the order's fields with its first line and the delivery's
        with the value its other lines give.
        """
        checks = ORDER_CHECKS + DELIVERY_CHECKS
        disagree = " OR ".join(f"MIN({col}) <> MAX({col})" for col, _label in checks)
        aggregates = ", ".join(f"MAX({col}) AS {col}" for col, _label in DELIVERY_CHECKS)
        order = [f"s.{col} <> f.{col}" for col, _label in ORDER_CHECKS]
        delivery = [f"s.{col} <> g.{col}" for col, _label in DELIVERY_CHECKS]
        flags = ", ".join(f"CASE WHEN {cond} THEN 1 ELSE 0 END" for cond in order + delivery)
        sql = (
            f"WITH g AS (SELECT order_id, MIN(line_no) AS first_line, {aggregates} "
            f"FROM {TABLE} GROUP BY order_id HAVING {disagree}) "
            f"SELECT s.line_no, s.order_id, f.line_no, {flags} FROM g "
            f"JOIN {TABLE} s ON s.order_id = g.order_id "
            f"JOIN {TABLE} f ON f.line_no = g.first_line "
            f"WHERE {' OR '.join(order + delivery)} ORDER BY s.line_no LIMIT %s"
        )
        with self.d.connection.cursor() as cursor:
            cursor.execute(sql, [MAX_ERRORS_KEPT])
            rows = cursor.fetchall()
        labels = [label for _col, label in checks]
        for line, order_id, first_line, *differs in rows:
            for position, (label, flag) in enumerate(zip(labels, differs, strict=True)):
                if not flag:
                    continue
                if position < len(ORDER_CHECKS):
                    message = _("differs from line %(line)d of the same order (%(order)s)") % {
                        "line": first_line,
                        "order": order_id,
                    }
                else:
                    message = _("differs from another line of the same order (%(order)s)") % {
                        "order": order_id
                    }
                report.add_error(line, fmt.label(label), message)


class _CopySource:
    """A file-like object whose read() returns the next batch in COPY's text format."""

    def __init__(self, rows: Iterator[tuple], staging: Staging):
        self.rows = rows
        self.staging = staging
        self.error: BaseException | None = None

    def read(self, size: int = -1) -> str:
        try:
            batch = list(islice(self.rows, BATCH_SIZE))
        except BaseException as exc:
            self.error = exc
            raise
        self.staging.rows += len(batch)
        return "".join(map(_copy_line, batch))


def _copy_line(row: tuple[str, ...]) -> str:
    line = "\t".join(row)
    # Escaping is rare, so look for its need on the whole line: a tab or backslash more than the
    # separators and NULL markers account for, or a line break. (A cell holding exactly \N
    # reads as empty, as in any COPY.)
    if line.count("\t") != SEPARATORS or line.count("\\") != row.count(NULL) or "\n" in line or "\r" in line:
        line = "\t".join(v if v == NULL else copy_escape(v) for v in row)
    return line + "\n"

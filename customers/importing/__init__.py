"""The CSV import of sales: `sales_import(file, dry_run=...)` is the one entry point.

A file is imported whole or not at all:
1. one streaming pass reads the file, checks each line and loads the good ones into a TEMP
   staging table in batches (COPY on PostgreSQL), holding one batch in memory at a time;
2. SQL over the staging table finds the lines of an order that disagree with each other;
3. only a file without a single error reaches the write phase: one transaction that plans every
   change set-based (plan.py), then merges it with a fixed number of statements (merge.py) and
   announces the new sales and new or changed deliveries through the domain events.
Re-importing a file changes nothing: rows match by external id, and only what differs is written.
"""

import csv
from collections.abc import Callable

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import events
from customers.importing.dialect import Dialect
from customers.importing.formats import CANONICAL_COLUMNS, detect
from customers.importing.merge import Merge
from customers.importing.plan import CUSTOMERS, ORDERS, SEARCH, count_queries, plan_statements
from customers.importing.report import ImportReport, RowError
from customers.importing.source import FileProblem, open_csv
from customers.importing.staging import BATCH_SIZE, Staging
from customers.importing.validate import LineCleaner
from customers.models import Customer, Delivery, Sale, SaleLine

__all__ = ["CANONICAL_COLUMNS", "ImportReport", "RowError", "sales_import"]

# One import writes at a time: two files naming the same new customer would otherwise race.
ADVISORY_LOCK = 7_246_815_001

Progress = Callable[[int, int | None, int], None]  # (bytes read, file size or None, lines read)


def sales_import(
    source,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    before_commit: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Validate a sales CSV (path or binary file) and, unless dry_run or it has errors, import it.

    Writes in one transaction; publishes SALE_RECORDED (new sales), DELIVERY_CHANGED (new or
    changed deliveries) and SALES_MOVED (both owners of an existing sale that changed hands or
    order time), which subscribers receive after the commit. With dry_run the same plan
    is computed and rolled back, so the report's counts say what an import would do.
    before_commit(report) runs inside that transaction once everything is written (the import
    page marks its job done there, so a job is done exactly when its rows are in).
    """
    report = ImportReport(dry_run=dry_run)
    dialect = Dialect(connection)
    staging = Staging(dialect)
    try:
        with open_csv(source) as src:
            fmt = detect(src.header)
            report.format = fmt.name
            staging.create()
            _stream(src, fmt, staging, report, progress)
        if report.lines == 0:
            raise FileProblem(_("The file has a header row but no data rows."))
        staging.finish()
        staging.check_orders(fmt=fmt, report=report)
        if report.ok:
            _write(dialect, report, dry_run=dry_run, before_commit=before_commit)
    except FileProblem as problem:
        report.add_error(None, "", problem.message)
    except DatabaseError as exc:
        # What the checks above let through and the database still refused (a constraint, a
        # concurrent writer): the transaction rolled back, so nothing was written.
        report.committed = False
        report.add_error(
            None,
            "",
            _("The database refused the import, so nothing was written: %(error)s")
            % {"error": str(exc).strip()},
        )
    finally:
        _drop(dialect)
    return report


def _stream(src, fmt, staging: Staging, report: ImportReport, progress: Progress | None) -> None:
    staging.load(_clean_rows(src, fmt, staging, report, progress))
    if progress:
        progress(src.size or src.bytes_read(), src.size, report.lines)


def _clean_rows(src, fmt, staging, report: ImportReport, progress: Progress | None):
    clean = LineCleaner(fmt=fmt, report=report, postgres=staging.d.postgres).clean
    try:
        for record in fmt.records(src.rows):
            report.lines += 1
            row = clean(record)
            if row is not None:
                yield row
            if progress and report.lines % BATCH_SIZE == 0:
                progress(src.bytes_read(), src.size, report.lines)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise src.problem(exc) from exc


def _write(dialect: Dialect, report: ImportReport, *, dry_run: bool, before_commit=None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        if dialect.postgres:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
            # The set-based statements hash the whole file at once; 4 MB would spill to disk.
            cursor.execute("SET LOCAL work_mem = '64MB'")
        for sql in plan_statements(dialect):
            cursor.execute(sql, [])
        _count(cursor, report)
        if dry_run:
            transaction.set_rollback(True)
            return
        sale_ids, delivery_ids, moved_customer_ids = Merge(dialect, now=timezone.now()).run()
        if dialect.postgres:
            _analyze_grown(cursor, report)
        if sale_ids:
            events.publish(events.SALE_RECORDED, sale_ids=sale_ids)
        if delivery_ids:
            events.publish(events.DELIVERY_CHANGED, delivery_ids=delivery_ids)
        if moved_customer_ids:
            events.publish(events.SALES_MOVED, customer_ids=moved_customer_ids)
        report.committed = True
        if before_commit is not None:
            before_commit(report)


# ANALYZE a table once an import has added this share of the rows its statistics know of.
GROWTH_TO_ANALYZE = 0.1


def _analyze_grown(cursor, report: ImportReport) -> None:
    """Refresh the statistics of the tables this import grew by a tenth or more.

    Without them, what runs next plans for the table as it was: right after a first import
    (PostgreSQL knows nothing of a table never analyzed) the planner took the follow-up
    planner's look-up of 1,000 deliveries by id for a scan of every delivered one through the
    status index, 32 ms a batch. Autovacuum would analyze them, later; the subscribers run at
    the commit. Inside the transaction, so the statistics are published with the rows."""
    grown = {
        Customer: report.customers_created,
        Sale: report.sales_created,
        SaleLine: report.lines_written,
        Delivery: report.deliveries_created,
    }
    tables = {model._meta.db_table: added for model, added in grown.items() if added}
    if not tables:
        return
    cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)", [list(tables)])
    known = dict(cursor.fetchall())
    for table, added in tables.items():
        if added >= GROWTH_TO_ANALYZE * max(known.get(table, -1), 0):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def _count(cursor, report: ImportReport) -> None:
    customers_sql, orders_sql = count_queries()
    cursor.execute(customers_sql, [])
    total, created, updated = (n or 0 for n in cursor.fetchone())
    report.customers_created, report.customers_updated = created, updated
    report.customers_unchanged = total - created - updated
    cursor.execute(orders_sql, [])
    orders, new, changed, lines, deliveries_new, deliveries_changed = (n or 0 for n in cursor.fetchone())
    report.orders, report.sales_created, report.sales_updated = orders, new, changed
    report.sales_unchanged = orders - new - changed
    report.lines_written = lines
    report.deliveries_created, report.deliveries_updated = deliveries_new, deliveries_changed


def _drop(dialect: Dialect) -> None:
    with connection.cursor() as cursor:
        for table in (ORDERS, CUSTOMERS, SEARCH):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
    Staging(dialect).drop()

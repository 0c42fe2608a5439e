"""Benchmark the sales import against the database named by DATABASE_URL.

    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/postsale \\
        .venv/bin/python bench/import_bench.py [LINES] [--keep]

Generates LINES (default 200,000) lines of canonical CSV in a temp dir, imports them (a first
import: ids are new on every run), imports the same file again (the no-op re-import), and prints
lines/s and the peak RSS. On PostgreSQL it also times a raw COPY of the same file into a bare
TEMP table and prints the import/COPY ratio (DESIGN.md section 8: within 5x). Domain event
subscribers are detached while timing: what they do is theirs to measure. The imported rows are
deleted afterwards unless --keep.
"""
# ruff: noqa: S608 - the clean-up's SQL names tables from the models; the prefix is a parameter.

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postsale.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bench.gen_sales_csv import write_sales_csv  # noqa: E402
from customers import events  # noqa: E402
from customers.importing import sales_import  # noqa: E402
from customers.models import Customer, Delivery, Sale, SaleLine, TimelineEntry  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def timed_import(path: Path, label: str) -> float:
    marks: list[float] = []
    start = time.perf_counter()
    report = sales_import(path, progress=lambda done, total, lines: marks.append(time.perf_counter()))
    seconds = time.perf_counter() - start
    if not report.ok:
        sys.exit("import failed: " + "; ".join(map(str, report.errors[:5])))
    checked = marks[-1] - start
    print(
        f"{label}: {report.lines:,} lines in {seconds:.2f} s = {report.lines / seconds:,.0f} "
        f"lines/s (read+check+stage {checked:.2f} s, plan+merge+commit {seconds - checked:.2f} s)"
        f"; {report.sales_created:,} sales created, {report.sales_unchanged:,} unchanged"
    )
    return seconds


def raw_copy_seconds(path: Path) -> float:
    columns = ", ".join(f"c{i} text" for i in range(21))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE bench_raw_copy ({columns})")
        start = time.perf_counter()
        with open(path, encoding="utf-8") as source:
            cursor.copy_expert("COPY bench_raw_copy FROM STDIN WITH (FORMAT csv, HEADER true)", source)
        seconds = time.perf_counter() - start
        cursor.execute("DROP TABLE bench_raw_copy")
    return seconds


def clean_up(prefix: str) -> None:
    """Delete the run's rows with a few set-based statements (the ORM would load them all)."""
    q = connection.ops.quote_name
    sales = f"SELECT id FROM {q(Sale._meta.db_table)} WHERE external_id LIKE %s"
    customers = f"SELECT id FROM {q(Customer._meta.db_table)} WHERE external_id LIKE %s"
    statements = [
        f"DELETE FROM {q(TimelineEntry._meta.db_table)} WHERE customer_id IN ({customers})",
        f"DELETE FROM {q(Delivery._meta.db_table)} WHERE sale_id IN ({sales})",
        f"DELETE FROM {q(SaleLine._meta.db_table)} WHERE sale_id IN ({sales})",
        f"DELETE FROM {q(Sale._meta.db_table)} WHERE external_id LIKE %s",
        f"DELETE FROM {q(Customer._meta.db_table)} WHERE external_id LIKE %s",
    ]
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, [prefix + "%"])


def main(argv: list[str]) -> None:
    lines = int(next((a for a in argv if a.isdigit()), 200_000))
    prefix = f"BENCH{int(time.time())}-"
    events._subscribers.clear()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sales.csv"
        with open(path, "w", newline="", encoding="utf-8") as out:
            orders = write_sales_csv(out, lines, prefix=prefix)
        size = path.stat().st_size / 1e6
        print(
            f"database: {connection.vendor} {connection.settings_dict['NAME']}; file: {lines:,} "
            f"lines, {orders:,} orders, {size:.1f} MB; RSS before import {peak_rss_mb():.0f} MB"
        )
        try:
            first = timed_import(path, "first import")
            print(f"peak RSS {peak_rss_mb():.0f} MB")
            timed_import(path, "re-import (no-op)")
            if connection.vendor == "postgresql":
                copy = raw_copy_seconds(path)
                print(
                    f"raw COPY into a bare TEMP table: {copy:.2f} s = {lines / copy:,.0f} lines/s;"
                    f" import/COPY ratio {first / copy:.1f}x"
                )
        finally:
            if "--keep" not in argv:
                clean_up(prefix)


if __name__ == "__main__":
    main(sys.argv[1:])

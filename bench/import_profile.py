"""Where an import's time goes: every SQL statement of one `sales_import`, timed, slowest first.

    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/postsale_bench \\
        .venv/bin/python bench/import_profile.py [lines] [--top N]

Writes a file of `lines` new orders (bench/gen_sales_csv.py, default 20,000 lines) and imports
it into the database as it is (a bench database of any size: compare two sizes to see which
statements grow with the data), with planning on, as `manage.py import_sales` runs. Prints the
total, the time inside SQL and outside it (Python: reading, validation), then the slowest
statements with their share. Nothing is rolled back: the orders stay, under their own prefix.
"""
# ruff: noqa: T201 - a CLI

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bench.gen_sales_csv import write_sales_csv  # noqa: E402
from customers.importing import sales_import  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("lines", type=int, nargs="?", default=20_000)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    timings: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((time.perf_counter() - started, " ".join(str(sql).split())))

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sales.csv"
        with open(path, "w", newline="", encoding="utf-8") as out:
            write_sales_csv(out, args.lines, prefix=f"IP{int(time.time())}-")
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM customers_customer")
            customers = cursor.fetchone()[0]
        started = time.perf_counter()
        with connection.execute_wrapper(timed):
            report = sales_import(path)
        total = time.perf_counter() - started
    in_sql = sum(t for t, _sql in timings)
    print(
        f"{args.lines:,} lines into {customers:,} customers: {total:.2f} s "
        f"({args.lines / total:,.0f} lines/s), "
        f"ok={report.ok}; SQL {in_sql:.2f} s in {len(timings)} statements, outside SQL {total - in_sql:.2f} s"
    )
    by_text: dict[str, list[float]] = {}
    for seconds, sql in timings:
        by_text.setdefault(sql[:160], []).append(seconds)
    ranked = sorted(by_text.items(), key=lambda item: -sum(item[1]))[: args.top]
    for sql, times in ranked:
        print(f"{sum(times):8.3f} s {100 * sum(times) / total:5.1f}% x{len(times):<5} {sql}")


if __name__ == "__main__":
    main()

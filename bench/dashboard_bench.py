"""Warm response times of the retention dashboard's pages, with a trivial page as reference.

    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/postsale_bench \\
        .venv/bin/python manage.py dashboard_sample --customers 200000 --sales 1000000
    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/postsale_bench \\
        .venv/bin/python bench/dashboard_bench.py [rounds] [query] [--live] [--no-rollups]

Each page is asked twice to warm up, then `rounds` times (default 10) through Django's test
client in this process (no network, no gunicorn): the figure is Postsale's own time per page,
view, queries and template. Prints p50 / p95 in ms and the number of queries of each page.
Pages are served from their snapshot (reports.snapshots) after the first request, as in
production; --live computes every request afresh (the snapshot's own cost, and what a filter
or period nobody asked for yet costs). The numbers come from the rollups (reports.rollups, which
dashboard_sample rebuilds; else `manage.py rebuild_rollups`); --no-rollups computes them from the
shop's tables instead, the reference the rollups are measured against.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postsale.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from accounts.demo import demo_users_ensure  # noqa: E402
from customers.models import Sale  # noqa: E402

PAGES = [
    "/accounts/login/",
    "/reports/",
    "/reports/satisfaction/",
    "/reports/purchases/",
    "/reports/delivery/",
    "/reports/cases/",
    "/reports/messages/",
    "/reports/export/headline.csv",
    "/api/v1/metrics/",
]


def main(rounds: int, query: str, live: bool, rollups: bool = True) -> None:
    setup_test_environment()
    if live:
        settings.REPORTS_SNAPSHOT_SECONDS = 0
    settings.REPORTS_ROLLUPS = rollups
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = True  # keeps connection.queries for the counts
    demo_users_ensure()
    client = Client()
    client.force_login(User.objects.get(username="manager"))
    print(
        f"{Sale.objects.count():,} sales on {connection.vendor}; {rounds} warm rounds; "
        f"query: {query or '(default: last 30 days)'}; {'live' if live else 'snapshots'}; "
        f"{'from rollups' if rollups else 'no rollups'}"
    )
    print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for page in PAGES:
        url = f"{page}?{query}" if query and page != PAGES[0] else page
        for _ in range(2):
            assert client.get(url).status_code == 200, url
        times = []
        for _ in range(rounds):
            reset_queries()
            began = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200
        queries = len(connection.queries)
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
        print(f"{page:34} {statistics.median(times):8.0f} {p95:8.0f} {queries:8d}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(
        int(args[0]) if args else 10,
        args[1] if len(args) > 1 else "",
        "--live" in sys.argv,
        "--no-rollups" not in sys.argv,
    )

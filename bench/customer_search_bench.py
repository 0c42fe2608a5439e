"""The staff list's customer search on a large shop: the exact count and name sort (what the list
did before) against the capped count and newest-first listing it does for a broad search.

    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db with customers> \
        .venv/bin/python bench/customer_search_bench.py diaz ana 'c12345@' 20

Reads the customers already there (bench/support_pages_bench.py or `make bench` fill a million).
For each query: p50 / p95 in ms of the first page (count + 50 rows) both ways, and their ratio.
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

from customers.models import Customer  # noqa: E402
from customers.search import customer_search, customer_search_listed  # noqa: E402


def before(query):
    found = customer_search(Customer.objects.order_by("name", "pk"), query)
    return found.count(), list(found[:50])


def after(query):
    found, _broad, matches = customer_search_listed(Customer.objects.order_by("name", "pk"), query)
    return matches, list(found[:50])  # the page's paginator takes the search's count


def timed(fn, query, rounds):
    fn(query)  # warm
    runs = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn(query)
        runs.append((time.perf_counter() - start) * 1000)
    runs.sort()
    return statistics.median(runs), runs[max(0, int(len(runs) * 0.95) - 1)]


def main():
    *queries, rounds = sys.argv[1:] or ["diaz", "20"]
    rounds = int(rounds)
    print(f"{Customer.objects.count():,} customers, {rounds} rounds")
    print(f"{'query':<14}{'matches':>10}{'before p50/p95':>18}{'after p50/p95':>18}{'ratio p50':>11}")
    for query in queries:
        matches = customer_search(Customer.objects.all(), query).count()
        b50, b95 = timed(before, query, rounds)
        a50, a95 = timed(after, query, rounds)
        times = f"{b50:>10.0f} / {b95:<6.0f}{a50:>10.0f} / {a95:<6.0f}"
        print(f"{query:<14}{matches:>10,}{times}{a50 / b50:>10.2f}")


if __name__ == "__main__":
    main()

"""The customers' pages with and without prepared statements (postsale/lib/prepared.py).

    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/postsale_bench \\
        .venv/bin/python bench/public_prepared.py [requests]

Needs a database built by `make bench` or `make bench-quick` (its survey and order links).
Serves `requests` (default 2000) survey GETs and order pages through Django's test client in this
process, rotating over 500 links of each, first with the page's reads prepared (as served), then
with plain execution, alternating three rounds; /healthz is the reference. Prints ms per request
(median of the rounds) and the ratio of each to /healthz and of prepared to plain.
"""

import os
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402

from bench.run import public_links  # noqa: E402
from postsale.lib import prepared  # noqa: E402


@contextmanager
def plain():
    """The same pages with every statement planned afresh (the decorator's block does nothing)."""
    saved = prepared.enabled
    prepared.enabled = lambda: False
    try:
        yield
    finally:
        prepared.enabled = saved


def links() -> dict[str, list[str]]:
    surveys, orders = public_links(500)
    return {"/healthz": ["/healthz"], "survey GET": surveys, "order page": orders}


def ms_per_request(client: Client, paths: list[str], count: int) -> float:
    started = time.perf_counter()
    for i in range(count):
        response = client.get(paths[i % len(paths)])
        if response.status_code != 200:
            raise SystemExit(f"{paths[i % len(paths)]} answered {response.status_code}")
    return (time.perf_counter() - started) / count * 1000


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    client = Client()
    pages = links()
    if not pages["survey GET"] or not pages["order page"]:
        raise SystemExit("no survey or order links: run make bench-quick first")
    for paths in pages.values():  # warm up: templates loaded, statements prepared
        ms_per_request(client, paths, min(len(paths), 500))
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(3):
        for mode in ("prepared", "plain"):
            for name, paths in pages.items():
                if mode == "plain":
                    with plain():
                        took = ms_per_request(client, paths, count)
                else:
                    took = ms_per_request(client, paths, count)
                times.setdefault((name, mode), []).append(took)
    median = {key: statistics.median(values) for key, values in times.items()}
    reference = median[("/healthz", "prepared")]
    header = ("page", "prepared ms", "plain ms", "prepared/plain", "/healthz ÷ prepared")
    print(f"{header[0]:<12} {header[1]:>12} {header[2]:>10} {header[3]:>15} {header[4]:>20}")
    for name in pages:
        ready, raw = median[(name, "prepared")], median[(name, "plain")]
        print(f"{name:<12} {ready:>12.3f} {raw:>10.3f} {ready / raw:>15.2f} {reference / ready:>20.3f}")


if __name__ == "__main__":
    main()

"""Dispatch with CPython's garbage-collector defaults and with postsale/lib/gc_tuning.py's.

    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/postsale_bench \\
        .venv/bin/python bench/gc_bench.py [mails] [rounds]

Needs a database built by `make bench` or `make bench-quick`. Each round plans `mails` (default
3000) due thank-you mails for that many customers (every other due row parked meanwhile, as
bench/run.py does), sends them with dispatch_due() in this process, first with the defaults,
then tuned (gc.freeze + thresholds), and puts the defaults back; rounds alternate (default 3).
Prints messages/s of each and the ratio tuned / defaults per round and overall (medians).
"""

import gc
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.core import mail  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.run import _due_bench_mails  # noqa: E402
from customers.models import Customer  # noqa: E402
from followups.dispatch import dispatch_due  # noqa: E402
from followups.models import FollowupRules  # noqa: E402
from postsale.lib import gc_tuning  # noqa: E402

DEFAULTS = gc.get_threshold()


def rate(customers: list[int], tuned: bool) -> float:
    with _due_bench_mails(f"bench-gc:{time.time()}:", customers, timezone.now()) as mine:
        mail.outbox = []
        if tuned:
            gc_tuning.tune()
        try:
            started = time.perf_counter()
            dispatch_due()
            seconds = time.perf_counter() - started
        finally:
            gc.unfreeze()
            gc.set_threshold(*DEFAULTS)
        return mine.filter(state="sent").count() / seconds


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    rules = FollowupRules.current()
    saved = (rules.quiet_hours_start, rules.quiet_hours_end)
    rules.quiet_hours_start = rules.quiet_hours_end = 0
    rules.save()
    customers = list(
        Customer.objects.filter(do_not_contact=False)
        .exclude(email="")
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )
    ratios, plain, tuned = [], [], []
    try:
        rate(customers[:300], tuned=False)  # warm up
        for n in range(rounds):
            plain.append(rate(customers, tuned=False))
            tuned.append(rate(customers, tuned=True))
            ratios.append(tuned[-1] / plain[-1])
            print(
                f"round {n + 1}: defaults {plain[-1]:,.0f}, tuned {tuned[-1]:,.0f} msg/s, {ratios[-1]:.2f}x"
            )
    finally:
        rules.quiet_hours_start, rules.quiet_hours_end = saved
        rules.save()
    print(
        f"median: defaults {statistics.median(plain):,.0f}, tuned {statistics.median(tuned):,.0f} msg/s, "
        f"{statistics.median(ratios):.2f}x (GC thresholds {DEFAULTS} -> "
        f"{(gc_tuning.GC_GEN0, gc_tuning.GC_GEN1, gc_tuning.GC_GEN2)})"
    )


if __name__ == "__main__":
    main()

"""Dispatch throughput of one worker process: plan N thank-yous, send them all, print messages/s.

    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/postsale_bench \
        .venv/bin/python bench/dispatch_bench.py 5000 2   # 5,000 messages, 2 processes

Mail goes to anymail's test backend (no network), so the figure is Postsale's own cost per
message: claim, rules, render (text + HTML), store, mark sent, event and timeline entry.
The database named by DATABASE_URL is emptied of customers, sales and messages first.
"""

import multiprocessing
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postsale.settings")
os.environ["EMAIL_ESP"] = "test"

import django  # noqa: E402

django.setup()

from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from customers.models import Customer, Sale  # noqa: E402
from followups.dispatch import dispatch_batch  # noqa: E402
from followups.models import FollowupRules, Message, State  # noqa: E402


def main(n: int, processes: int) -> None:
    call_command("migrate", verbosity=0)
    Message.objects.all().delete()
    Sale.objects.all().delete()
    Customer.objects.all().delete()
    rules = FollowupRules.current()
    rules.quiet_hours_start = rules.quiet_hours_end = 0
    rules.save()
    now = timezone.now()
    customers = Customer.objects.bulk_create(
        Customer(external_id=f"B{i}", name=f"Cliente {i}", email=f"b{i}@example.com") for i in range(n)
    )
    sales = Sale.objects.bulk_create(
        Sale(external_id=f"BS{i}", customer=c, ordered_at=now, total=10) for i, c in enumerate(customers)
    )
    Message.objects.bulk_create(
        Message(
            kind="thank_you",
            category="transactional",
            customer=c,
            sale=s,
            dedupe_key=f"bench:{s.pk}",
            planned_at=now,
            expires_at=now + timezone.timedelta(days=1),
        )
        for c, s in zip(customers, sales, strict=True)
    )
    from django.db import connections

    connections.close_all()  # each process opens its own
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        pool.map(drain, range(processes))
    elapsed = time.perf_counter() - started
    sent = Message.objects.filter(state=State.SENT).count()
    print(f"database: {os.environ.get('DATABASE_URL', 'sqlite (embedded)')}")
    print(
        f"sent {sent} of {n} in {elapsed:.2f} s with {processes} process(es): "
        f"{sent / elapsed:.0f} messages/s, {sent / elapsed / processes:.0f} per process"
    )


def drain(_):
    """One worker process: claim and send batches until none is due (SKIP LOCKED shares them)."""
    mail.outbox = []
    while dispatch_batch():
        mail.outbox.clear()


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(args[0] if args else 2000, args[1] if len(args) > 1 else 1)

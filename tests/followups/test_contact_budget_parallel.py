"""The contact budget holds with parallel workers (PostgreSQL, real Celery processes).

Each customer has more non-transactional mail due than the frequency cap allows, spread so that
concurrent batches each hold some of the same customers' rows. Whatever the interleaving, no
customer gets more than the cap, nor two surveys inside the fatigue window.
"""

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from customers import services
from followups.models import FollowupRules, Kind, Message, State
from followups.outbox import message_plan
from followups.tasks import dispatch_batch_task
from tests.services import private_queue, require_postgres, require_redis, start_worker, stop, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
CUSTOMERS, PER_CUSTOMER, CAP = 60, 6, 3
KINDS = (Kind.USAGE_TIPS, Kind.SURVEY, Kind.BIRTHDAY, Kind.SURVEY, Kind.USAGE_TIPS, Kind.BIRTHDAY)


@pytest.fixture
def crowded_outbox():
    require_postgres()
    require_redis()
    rules = FollowupRules.current()
    rules.quiet_hours_start = rules.quiet_hours_end = 0
    rules.frequency_cap, rules.frequency_period_days, rules.survey_fatigue_days = CAP, 7, 30
    rules.min_gap_minutes = 0  # only the budget decides here
    rules.save()
    now = timezone.now() - dt.timedelta(minutes=5)
    for c in range(CUSTOMERS):
        customer, _ = services.customer_upsert(
            external_id=f"B{c}", name=f"Cliente {c}", email=f"b{c}@example.com"
        )
        for i, kind in enumerate(KINDS[:PER_CUSTOMER]):
            # Ordered by (i, customer): every batch of 100 holds rows of many customers, and
            # each customer's rows fall into several batches.
            at = now + dt.timedelta(seconds=i, milliseconds=c)
            message_plan(
                kind=kind,
                customer_id=customer.pk,
                dedupe_key=f"budget:{c}:{i}",
                planned_at=at,
                expires_at=at + dt.timedelta(days=20),
            )


def due():
    return Message.objects.filter(state__in=[State.PLANNED, State.SENDING], planned_at__lte=timezone.now())


def drained() -> bool:
    """As beat's dispatch sweep does: keep four batches in flight until nothing is due."""
    if not due().exists():
        return True
    for _ in range(4):
        dispatch_batch_task.delay()
    return False


def test_no_customer_exceeds_the_cap_with_four_workers_at_once(crowded_outbox):
    with private_queue() as queue:
        workers = [
            start_worker(queue, {"KEPT_MAIL_LATENCY_MS": "10"}, concurrency=2, name=f"w{n}") for n in range(2)
        ]
        try:
            done = wait_for(lambda: drained(), timeout=150, interval=1)
        finally:
            for worker in workers:
                stop(worker)
    assert done, Counter(Message.objects.values_list("state", "reason"))
    sent = Message.objects.filter(state=State.SENT)
    per_customer = Counter(sent.values_list("customer_id", flat=True))
    surveys = Counter(sent.filter(kind=Kind.SURVEY).values_list("customer_id", flat=True))
    assert len(per_customer) == CUSTOMERS
    assert max(per_customer.values()) == CAP, per_customer.most_common(3)
    assert max(surveys.values()) == 1, surveys.most_common(3)
    # The rest waits for the budget, deferred (not dropped) to when it frees.
    deferred = Message.objects.filter(state=State.PLANNED, deferred_until__isnull=False)
    assert deferred.count() == CUSTOMERS * PER_CUSTOMER - sent.count()

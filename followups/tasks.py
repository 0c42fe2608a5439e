"""Celery tasks: each takes ids or nothing, re-reads the database and calls one function.

All are safe to run twice and to kill at any moment: the outbox rows carry the state.
"""

from celery import shared_task

MAX_PARALLEL_BATCHES = 8


@shared_task(acks_late=True)
def dispatch_sweep_task() -> int:
    """Beat, every few seconds: one dispatch task per due batch, up to MAX_PARALLEL_BATCHES."""
    from django.utils import timezone

    from followups.dispatch import BATCH
    from followups.models import Message, State

    due = Message.objects.filter(state=State.PLANNED, planned_at__lte=timezone.now()).values_list(
        "pk", flat=True
    )[: BATCH * MAX_PARALLEL_BATCHES]
    batches = -(-len(due) // BATCH)
    for _ in range(batches):
        dispatch_batch_task.delay()
    return batches


@shared_task(acks_late=True)
def dispatch_batch_task() -> int:
    from followups.dispatch import dispatch_batch

    return dispatch_batch()


@shared_task(acks_late=True)
def recover_stuck_task() -> int:
    from followups.dispatch import recover_stuck

    return recover_stuck()


@shared_task(acks_late=True)
def late_deliveries_sweep_task() -> int:
    from followups.planner import late_deliveries_sweep

    return late_deliveries_sweep()


@shared_task(acks_late=True)
def stuck_parcels_sweep_task() -> int:
    from followups.stuck import stuck_parcels_sweep

    return stuck_parcels_sweep()


@shared_task(acks_late=True)
def birthdays_sweep_task() -> int:
    from followups.planner import birthdays_sweep

    return birthdays_sweep()

from celery import shared_task

BATCH_SIZE = 2000


@shared_task(acks_late=True)
def customer_lifecycle_refresh_task(customer_ids: list[int]) -> int:
    from customers.lifecycle import lifecycle_refresh

    return lifecycle_refresh(customer_ids)


@shared_task(acks_late=True)
def lifecycle_sweep_task() -> int:
    """Enqueue one refresh task per batch of customer ids (never one task per customer)."""
    from customers.models import Customer

    last_id, batches = 0, 0
    while True:
        ids = list(
            Customer.objects.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:BATCH_SIZE]
        )
        if not ids:
            return batches
        customer_lifecycle_refresh_task.delay(ids)
        last_id, batches = ids[-1], batches + 1


# A big file takes minutes: well past the default limits (settings), within Redis's visibility
# timeout (3600 s), so the broker never hands a running import to a second worker.
IMPORT_SOFT_TIME_LIMIT = 1800
IMPORT_TIME_LIMIT = 1900


@shared_task(acks_late=True, soft_time_limit=IMPORT_SOFT_TIME_LIMIT, time_limit=IMPORT_TIME_LIMIT)
def import_job_task(job_id: int) -> str | None:
    """Check or import the file of an ImportJob (the import page); see customers/importing/jobs.py."""
    from customers.importing.jobs import job_run

    job = job_run(job_id)
    return job.state if job else None

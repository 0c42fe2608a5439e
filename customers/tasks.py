from celery import shared_task


@shared_task(acks_late=True)
def customer_lifecycle_refresh_task(customer_ids: list[int]) -> int:
    from customers.lifecycle import lifecycle_refresh

    return lifecycle_refresh(customer_ids)


@shared_task(acks_late=True)
def customer_lifecycle_range_task(first_id: int, last_id: int) -> int:
    from customers.lifecycle import lifecycle_refresh_range

    return lifecycle_refresh_range(first_id, last_id)


@shared_task(acks_late=True)
def lifecycle_sweep_task() -> int:
    """Enqueue one refresh task per range of customer ids (one statement each; never one task
    per customer); returns how many. Finding the ranges is one query, whatever the size."""
    from customers.lifecycle import sweep_ranges

    ranges = sweep_ranges()
    for first_id, last_id in ranges:
        customer_lifecycle_range_task.delay(first_id, last_id)
    return len(ranges)


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

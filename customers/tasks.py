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

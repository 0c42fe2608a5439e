from celery import shared_task


@shared_task(acks_late=True)
def campaigns_sweep_task() -> int:
    """Beat, hourly: standing campaigns draw and plan their newly qualifying customers. Safe to
    run twice: members are unique per campaign and rows per dedupe key."""
    from campaigns.services import campaigns_sweep

    return campaigns_sweep()

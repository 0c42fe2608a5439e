from celery import shared_task


@shared_task
def weekly_digest_task() -> int:
    """Beat runs it on Monday mornings; a rerun sends nothing twice."""
    from reports.digest import digest_send

    return digest_send()

from celery import shared_task

# Scheduled by beat every 15 minutes (CELERY_BEAT_SCHEDULE in postsale/settings.py).


@shared_task(acks_late=True)
def survey_reminders_sweep_task() -> int:
    """Plan the reminders of unanswered invitations, set-based in batches; safe to run twice."""
    from surveys.invitations import reminders_plan

    return reminders_plan()

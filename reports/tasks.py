from celery import shared_task


@shared_task
def weekly_digest_task() -> int:
    """Beat runs it on Monday mornings; a rerun sends nothing twice."""
    from reports.digest import digest_send

    return digest_send()


@shared_task
def refresh_snapshots_task() -> int:
    """Beat keeps the preset periods' numbers ready (see reports.snapshots)."""
    from reports.snapshots import refresh_presets

    return refresh_presets()


@shared_task(acks_late=True)
def purchase_model_refit_task() -> int:
    """Nightly: refit the purchase model as of yesterday and rescore every buyer.

    Safe to run twice (the second run replaces the first's fit and scores); returns the fit's id.
    """
    from reports.predictions import purchase_model_refit

    return purchase_model_refit().pk

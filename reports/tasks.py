from celery import shared_task


@shared_task
def weekly_digest_task() -> int:
    """Beat runs it hourly: the first run of a week plans last week's digests in the outbox
    (the dispatcher sends them); a rerun plans nothing twice."""
    from reports.digest import digest_plan

    return digest_plan()


@shared_task
def refresh_snapshots_task() -> int:
    """Beat keeps the preset periods' numbers ready (see reports.snapshots)."""
    from reports.snapshots import refresh_presets

    return refresh_presets()


# A rebuild at a million sales takes minutes on a small machine: more than the default limits.
@shared_task(soft_time_limit=1800, time_limit=1900)
def rebuild_rollups_task() -> float | None:
    """Beat: recompute the dashboard's rollups (reports.rollups); one run at a time. Returns
    the rebuild's seconds, or None when another run still holds the lock."""
    from django.core.cache import cache

    from reports.rollups import rebuild

    if not cache.add("reports:rollups:running", 1, timeout=1900):
        return None
    try:
        return rebuild().seconds
    finally:
        cache.delete("reports:rollups:running")


@shared_task(acks_late=True)
def purchase_model_refit_task() -> int:
    """Nightly: refit the purchase model as of yesterday and rescore every buyer.

    Safe to run twice (the second run replaces the first's fit and scores); returns the fit's id.
    """
    from reports.predictions import purchase_model_refit

    return purchase_model_refit().pk

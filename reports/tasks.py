from celery import shared_task


@shared_task(acks_late=True)
def purchase_model_refit_task() -> int:
    """Nightly: refit the purchase model as of yesterday and rescore every buyer.

    Safe to run twice (the second run replaces the first's fit and scores); returns the fit's id.
    """
    from reports.predictions import purchase_model_refit

    return purchase_model_refit().pk

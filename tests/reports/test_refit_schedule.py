import datetime as dt

import pytest
import time_machine
from celery.schedules import crontab

from reports.models import PurchaseModelFit
from reports.tasks import purchase_model_refit_task
from tests.reports.histories import histories_load, simulated_population


def test_beat_refits_nightly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["purchase-model"]
    assert entry["task"] == purchase_model_refit_task.name
    assert entry["schedule"] == crontab(hour=2, minute=30)


@pytest.mark.django_db
def test_the_task_fits_as_of_yesterday():
    histories_load(simulated_population(520, start=dt.date(2025, 1, 1), end=dt.date(2026, 1, 31)))
    with time_machine.travel(dt.datetime(2026, 2, 1, 2, 30, tzinfo=dt.UTC)):
        fit_id = purchase_model_refit_task.delay().get()
    fit = PurchaseModelFit.objects.get(pk=fit_id)
    assert fit.as_of == dt.date(2026, 1, 31) and fit.status == PurchaseModelFit.Status.OK


@pytest.mark.django_db
def test_the_command_fits_as_of_a_day_and_rejects_a_bad_one(capsys):
    from django.core.management import CommandError, call_command

    histories_load(simulated_population(520, start=dt.date(2025, 1, 1), end=dt.date(2026, 1, 31)))
    call_command("fit_purchase_model", "--as-of", "2026-01-31")
    assert "520 buyers" in capsys.readouterr().out
    assert PurchaseModelFit.objects.get().as_of == dt.date(2026, 1, 31)
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("fit_purchase_model", "--as-of", "31/01/2026")

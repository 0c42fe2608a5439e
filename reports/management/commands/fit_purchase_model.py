"""python manage.py fit_purchase_model [--as-of YYYY-MM-DD]: refit the purchase model now."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from reports.models import PurchaseModelFit
from reports.predictions import purchase_model_refit
from reports.reasons import fit_status_text


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of takes a date as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Fit the purchase model (BG/NBD) on the sales up to a day and rescore every buyer. "
        "The nightly beat task does the same as of yesterday."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of", type=_date, default=None, help="Last day of history to use (default: yesterday)."
        )

    def handle(self, *args, as_of: dt.date | None, **options):
        fit = purchase_model_refit(as_of=as_of)
        if fit.status != PurchaseModelFit.Status.OK:
            self.stdout.write(fit_status_text(fit))
            if fit.status == PurchaseModelFit.Status.FAILED:
                raise CommandError("the fit failed")
            return
        self.stdout.write(
            f"as of {fit.as_of}: {fit.buyers} buyers, fitted on {fit.fit_sample}; "
            f"r={fit.r:.3f} alpha={fit.alpha:.3f} a={fit.a:.3f} b={fit.b:.3f}; "
            f"{fit.at_risk} at risk (P(alive) < {fit.threshold}); {fit.seconds:.1f} s"
        )

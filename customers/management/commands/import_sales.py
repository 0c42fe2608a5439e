"""python manage.py import_sales FILE [--dry-run]: import a sales CSV whole or not at all."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from customers.importing import ImportReport, sales_import

SUMMARY = (
    ("lines", gettext_lazy("Lines read")),
    ("orders", gettext_lazy("Orders")),
    ("customers_created", gettext_lazy("Customers created")),
    ("customers_updated", gettext_lazy("Customers updated")),
    ("sales_created", gettext_lazy("Sales created")),
    ("sales_updated", gettext_lazy("Sales updated")),
    ("sales_unchanged", gettext_lazy("Sales unchanged")),
    ("lines_written", gettext_lazy("Sale lines written")),
    ("deliveries_created", gettext_lazy("Deliveries created")),
    ("deliveries_updated", gettext_lazy("Deliveries updated")),
    ("errors", gettext_lazy("Errors")),
)
FAILED_SUMMARY = ("lines", "errors")  # nothing else means anything when nothing was written


class Command(BaseCommand):
    help = (
        "Import sales from a CSV file (the canonical format or a Shopify orders export). "
        "A file with any error imports nothing; importing it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the CSV file.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and report what would change; write nothing.",
        )

    def handle(self, *args, file: str, dry_run: bool, **options):
        with _ProgressBar() as bar:
            report = sales_import(file, dry_run=dry_run, progress=bar.update)
        for error in report.errors:
            self.stderr.write(str(error))
        if report.errors_not_kept:
            self.stderr.write(_("… and %(count)d more errors.") % {"count": report.errors_not_kept})
        self._summary(report)
        if not report.ok:
            raise CommandError(_("%(count)d errors: nothing was imported.") % {"count": report.error_count})
        if dry_run:
            self.stdout.write(self.style.WARNING(_("Dry run: nothing was written.")))
        else:
            self.stdout.write(self.style.SUCCESS(_("Import complete.")))

    def _summary(self, report: ImportReport) -> None:
        counts = report.counts()
        rows = [(str(label), counts[key]) for key, label in SUMMARY if report.ok or key in FAILED_SUMMARY]
        if report.format:
            rows.insert(0, (_("Format"), report.format))
        width = max(len(label) for label, _value in rows)
        for label, value in rows:
            self.stdout.write(f"{label:<{width}}  {value}")


class _ProgressBar:
    """A tqdm bar over the file's bytes, on stderr; silent when stderr is not a terminal."""

    def __enter__(self):
        self.bar = None
        return self

    def update(self, done: int, total: int | None, lines: int = 0) -> None:
        if self.bar is None:
            self.bar = tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                desc=_("Checking"),
                file=sys.stderr,
                disable=not sys.stderr.isatty(),
                leave=False,
            )
        self.bar.update(done - self.bar.n)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()

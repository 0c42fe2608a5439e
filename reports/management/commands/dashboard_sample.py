import time

from django.core.management.base import BaseCommand

from reports import rollups, sample


class Command(BaseCommand):
    help = "Insert sample history for the retention dashboard (SAMPLE-… customers), or remove it."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=2000)
        parser.add_argument("--sales", type=int, default=6000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--remove", action="store_true", help="delete the sample rows instead")

    def handle(self, *args, customers, sales, seed, remove, **options):
        if remove:
            sample.remove()
            rollups.rebuild()
            self.stdout.write("Sample rows removed.")
            return
        began = time.monotonic()
        counts = sample.generate(customers=customers, sales=sales, seed=seed)
        state = rollups.rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                "Sample: {customers} customers, {sales} sales, {answers} answers, {complaints} cases, "
                "{messages} messages".format(**counts)
                + f" in {time.monotonic() - began:.0f} s (rollups: {state.seconds:.0f} s)."
            )
        )

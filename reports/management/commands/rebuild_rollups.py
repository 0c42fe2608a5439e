from django.core.management.base import BaseCommand

from reports import rollups


class Command(BaseCommand):
    help = "Recompute the retention dashboard's rollup tables from the shop's data (beat does it too)."

    def handle(self, *args, **options):
        state = rollups.rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"Rollups rebuilt in {state.seconds:.1f} s (as of {state.built_at:%Y-%m-%d %H:%M})."
            )
        )

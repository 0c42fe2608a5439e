"""Compile locale/*/LC_MESSAGES/*.po to .mo with polib, so no GNU gettext is needed."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the project's .po files to .mo (pure Python; GNU gettext not needed)."

    def handle(self, *args, **options):
        try:
            import polib
        except ImportError:  # production images ship the compiled .mo files
            self.stdout.write("polib is not installed; keeping the compiled .mo files.")
            return
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in Path(locale_dir).glob("*/LC_MESSAGES/*.po"):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
                self.stdout.write(f"compiled {mo_path}")

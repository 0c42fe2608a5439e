"""Computed report pages, kept for a few minutes: at a million sales some aggregates take
seconds, and a manager clicking between tabs should not wait for them each time.

A snapshot is a page's numbers (its context: tiles, charts, tables) for one scope and language,
stored in the cache with the time it was computed; the page shows that time. Beat refreshes the
common periods (presets, no filter) so they are always ready.
"""

import datetime as dt
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation

from reports import rollups
from reports.metrics.scope import Scope

PRESET_DAYS = (7, 30, 90, 365)


def ttl() -> int:
    """Seconds a snapshot is kept (settings.REPORTS_SNAPSHOT_SECONDS, 0: always live)."""
    return getattr(settings, "REPORTS_SNAPSHOT_SECONDS", 15 * 60)


def _key(page: str, scope: Scope, extra: str) -> str:
    raw = (
        f"{page}|{scope.start}|{scope.end}|{scope.channel}|{scope.category}|{extra}|"
        f"{translation.get_language()}"
    )
    return "reports:snapshot:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def snapshot(page: str, scope: Scope, build, *, extra: str = "", fresh: bool = False) -> dict:
    """build() → the page's context, or the one computed in the last minutes; adds as_of: when
    the rollups it read were rebuilt, or now when it computed everything live."""
    key = _key(page, scope, extra)
    found = None if fresh or not ttl() else cache.get(key)
    if found is None:
        with rollups.pinned():
            state = rollups.usable(scope)
            found = {**build(), "as_of": state.built_at if state else timezone.now()}
        cache.set(key, found, ttl())
    return found


def refresh_presets() -> int:
    """Recompute the preset periods of every page, unfiltered, in each language (for beat)."""
    from reports.pages import BUILDERS

    end = timezone.localdate() + dt.timedelta(days=1)
    done = 0
    for language in ("es", "en"):
        with translation.override(language):
            for days in PRESET_DAYS:
                scope = Scope(end - dt.timedelta(days=days), end)
                for page, build in BUILDERS.items():
                    snapshot(page, scope, lambda b=build, s=scope: b(s, {}), fresh=True)
                    done += 1
    return done

"""Time zones: a customer's own, or the shop's when theirs is empty or unknown."""

import zoneinfo
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=512)
def zone_or_shop(name: str | None) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)

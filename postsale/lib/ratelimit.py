"""Fixed-window rate limits in the cache (Redis in production, per-process memory by default)."""

import time

from django.core.cache import cache


def limit_exceeded(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit for key; True once the window holds more than `limit` hits."""
    bucket = f"rl:{key}:{int(time.time() // window_seconds)}"
    if cache.add(bucket, 1, timeout=window_seconds + 1):
        return False
    try:
        return cache.incr(bucket) > limit
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, timeout=window_seconds + 1)
        return False


def retry_after(window_seconds: int) -> int:
    """Seconds until the current fixed window closes (for a 429's Retry-After header)."""
    return window_seconds - int(time.time()) % window_seconds or window_seconds

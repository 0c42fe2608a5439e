"""Fixed-window rate limits in the cache (Redis in production, per-process memory by default).

On Redis a hit is one round trip: INCR and EXPIRE NX in one pipeline (the public pages count two
keys a request; add + incr cost two round trips each, and these pages are the hottest we serve).
While Redis is unreachable nothing is counted and nobody is limited: a customer answering a
survey during a Redis outage is served, not shown a 500 (tests/postsale/test_fault_redis_down.py).
"""

import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from postsale.lib.cache import UNREACHABLE, unreachable


def limit_exceeded(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit for key; True once the window holds more than `limit` hits."""
    bucket = f"rl:{key}:{int(time.time() // window_seconds)}"
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        return _redis_hit(cache, bucket, window_seconds + 1) > limit
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


def _redis_hit(cache: RedisCache, bucket: str, timeout: int) -> int:
    key = cache.make_and_validate_key(bucket)
    client = cache._cache.get_client(key, write=True)
    pipe = client.pipeline(transaction=False)
    pipe.incr(key)
    pipe.expire(key, timeout, nx=True)
    try:
        count, _ = pipe.execute()
    except UNREACHABLE as exc:
        unreachable(exc)
        return 0
    return count

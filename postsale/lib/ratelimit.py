"""Fixed-window rate limits in the cache (Redis in production, per-process memory by default).

On Redis a request's hits are one round trip: INCR and EXPIRE NX of every key it counts in one
pipeline (the public pages count two keys a request, and these pages are the hottest we serve).
While Redis is unreachable nothing is counted and nobody is limited: a customer answering a
survey during a Redis outage is served, not shown a 500 (tests/postsale/test_fault_redis_down.py).
"""

import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from postsale.lib.cache import UNREACHABLE, unreachable


def limit_exceeded(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit for key; True once the window holds more than `limit` hits."""
    return limits_exceeded({key: limit}, window_seconds=window_seconds)


def limits_exceeded(limits: dict[str, int], *, window_seconds: int) -> bool:
    """Count one hit for each key (key -> its limit); True when any window holds more hits than
    its limit. On Redis every key is counted in the same one round trip."""
    window = int(time.time() // window_seconds)
    buckets = {f"rl:{key}:{window}": limit for key, limit in limits.items()}
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        counts = _redis_hits(cache, list(buckets), window_seconds + 1)
        return any(count > limit for count, limit in zip(counts, buckets.values(), strict=True))
    return any([_local_hit(cache, bucket, limit, window_seconds) for bucket, limit in buckets.items()])


def _local_hit(cache, bucket: str, limit: int, window_seconds: int) -> bool:
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


def _redis_hits(cache: RedisCache, buckets: list[str], timeout: int) -> list[int]:
    keys = [cache.make_and_validate_key(bucket) for bucket in buckets]
    # One client: django's RedisCache picks the write server for any key the same way.
    client = cache._cache.get_client(keys[0], write=True)
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.incr(key)
        pipe.expire(key, timeout, nx=True)
    try:
        replies = pipe.execute()
    except UNREACHABLE as exc:
        unreachable(exc)
        return [0] * len(keys)
    return replies[::2]

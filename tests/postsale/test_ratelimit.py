"""The public pages' rate limit counts the same on Redis (one pipelined INCR + EXPIRE NX) as in
process memory (add + incr)."""

import pytest
from django.core.cache import caches

from postsale.lib.ratelimit import limit_exceeded
from tests.services import require_redis


def hits_until_refused(key: str, *, limit: int) -> int:
    for hit in range(1, limit + 5):
        if limit_exceeded(key, limit=limit, window_seconds=60):
            return hit
    return -1


def test_in_memory_the_hit_past_the_limit_is_refused():
    caches["default"].clear()
    assert hits_until_refused("test:memory", limit=3) == 4


@pytest.mark.integration
def test_on_redis_the_hit_past_the_limit_is_refused_and_the_window_expires(settings):
    url = require_redis()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "test-ratelimit",
        }
    }
    cache = caches["default"]
    try:
        assert hits_until_refused("test:redis", limit=3) == 4
        keys = cache._cache.get_client().keys("test-ratelimit:*rl:test:redis:*")
        assert len(keys) == 1
        assert 0 < cache._cache.get_client().ttl(keys[0]) <= 61
    finally:
        cache.delete_many(
            [k.decode().split(":", 2)[2] for k in cache._cache.get_client().keys("test-ratelimit:*")]
        )
        caches["default"].close()

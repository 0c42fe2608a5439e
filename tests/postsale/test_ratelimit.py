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
            "BACKEND": "postsale.lib.cache.SturdyRedisCache",
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


def test_with_redis_unreachable_the_cache_misses_and_nobody_is_limited(db, settings, client, caplog):
    """Nothing listens on the port: the cache reads as empty, writes go nowhere, a public page is
    served (no 500) and the outage is logged once, not once a request."""
    from postsale.lib import cache as sturdy
    from tests.services import free_port

    settings.CACHES = {
        "default": {
            "BACKEND": "postsale.lib.cache.SturdyRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    sturdy._last_warning = 0.0
    cache = caches["default"]
    assert cache.get("k", "default") == "default" and cache.get_many(["k"]) == {}
    assert cache.add("k", 1) is False and cache.set("k", 1) is None and cache.incr("k") == 1
    assert hits_until_refused("test:down", limit=3) == -1
    for _ in range(3):  # the friendly "link not valid" page, past the rate limit's checks
        response = client.get("/c/s/not-a-token-but-long-enough/")
        assert response.status_code == 404 and response.headers["Cache-Control"] == "no-store"
    warnings = [r.getMessage() for r in caplog.records if r.name == "postsale.lib.cache"]
    assert len(warnings) == 1 and "Redis unreachable" in warnings[0]

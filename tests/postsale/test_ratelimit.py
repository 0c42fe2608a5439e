"""The public pages' rate limit counts the same on Redis (one pipelined INCR + EXPIRE NX) as in
process memory (add + incr)."""

import pytest
from django.core.cache import caches

from postsale.lib.ratelimit import limit_exceeded, limits_exceeded
from tests.services import require_redis


def hits_until_refused(key: str, *, limit: int) -> int:
    for hit in range(1, limit + 5):
        if limit_exceeded(key, limit=limit, window_seconds=60):
            return hit
    return -1


def test_in_memory_the_hit_past_the_limit_is_refused():
    caches["default"].clear()
    assert hits_until_refused("test:memory", limit=3) == 4


def both_until_refused(prefix: str) -> list[bool]:
    """A client address allowed 5 hits and a link allowed 2, counted together per request."""
    return [limits_exceeded({f"{prefix}:ip": 5, f"{prefix}:tok": 2}, window_seconds=60) for _ in range(4)]


def test_in_memory_every_key_of_a_request_is_counted_and_the_tightest_refuses():
    caches["default"].clear()
    assert both_until_refused("test:both") == [False, False, True, True]
    assert limit_exceeded("test:both:ip", limit=5, window_seconds=60) is False  # the 5th hit
    assert limit_exceeded("test:both:ip", limit=5, window_seconds=60) is True


@pytest.mark.integration
def test_on_redis_a_requests_keys_are_counted_in_one_round_trip(settings):
    url = require_redis()
    settings.CACHES = {
        "default": {
            "BACKEND": "postsale.lib.cache.SturdyRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "test-ratelimit-both",
        }
    }
    cache = caches["default"]
    client = cache._cache.get_client(write=True)
    try:
        before = client.info("stats")["total_commands_processed"]
        assert both_until_refused("test:redis-both") == [False, False, True, True]
        # 4 requests x 2 keys x (INCR + EXPIRE), plus the INFO call itself: no other command.
        assert client.info("stats")["total_commands_processed"] - before == 4 * 2 * 2 + 1
    finally:
        for key in client.keys("test-ratelimit-both:*"):
            client.delete(key)
        caches["default"].close()


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

"""The cache on Redis, sturdy to Redis being away.

The cache holds nothing that is not somewhere else: rate-limit and throttle counters, the shop's
business calendar (read again from the database on a miss). With Redis stopped, Django's own
backend raised ConnectionError from every public page and API call, so an outage of the broker's
server turned into 500s for customers answering surveys and for integrators recording sales.
Here an unreachable Redis reads as a miss and a write that goes nowhere: requests are served
(rate limits are not enforced meanwhile, see postsale/lib/ratelimit.py), and a warning is logged
at most once a minute per process.
"""

import logging
import time
from functools import wraps

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
WARN_EVERY_SECONDS = 60
_last_warning = 0.0


def unreachable(exc: Exception) -> None:
    """Note that Redis did not answer (logged once a minute, not once a request)."""
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= WARN_EVERY_SECONDS:
        _last_warning = now
        log.warning("cache: Redis unreachable, serving without it (%s)", exc)


def _sturdy(method, fallback):
    @wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except UNREACHABLE as exc:
            unreachable(exc)
            return fallback(*args, **kwargs)

    return wrapper


class SturdyRedisCache(RedisCache):
    """django.core.cache.backends.redis.RedisCache; Redis away = a miss, writes dropped."""


for _name, _fallback in {
    "get": lambda key, default=None, version=None: default,
    "get_many": lambda keys, version=None: {},
    "has_key": lambda key, version=None: False,
    "set": lambda *args, **kwargs: None,
    "add": lambda *args, **kwargs: False,
    "touch": lambda *args, **kwargs: False,
    "delete": lambda *args, **kwargs: False,
    "set_many": lambda data, timeout=None, version=None: list(data),
    "delete_many": lambda *args, **kwargs: None,
    "incr": lambda key, delta=1, version=None: delta,
    "clear": lambda: None,
}.items():
    setattr(SturdyRedisCache, _name, _sturdy(getattr(RedisCache, _name), _fallback))

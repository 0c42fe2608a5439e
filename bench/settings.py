"""Settings for `make bench`: the project's, as production runs them (DEBUG off, so no query log),
with the public pages' rate limits out of the way of a load generator on one address, and mail
to anymail's test backend (no network: the figures are Postsale's own cost)."""

from postsale.settings import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
PUBLIC_RATE_PER_IP = 10**9
PUBLIC_RATE_PER_TOKEN = 10**9
EMAIL_BACKEND = "bench.esp.EmailBackend"  # anymail's test backend, its outbox kept short
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # 404s of the load generator's unknown links are not news.
    "loggers": {"django.request": {"level": "ERROR"}},
}

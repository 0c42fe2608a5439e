"""Reads that may lag go to a read replica (DATABASE_REPLICA_URL); everything else to the primary.

The reports and the exports read a lot and can be a second or two behind, so their requests read
from the "replica" alias. A user who has just written (any non-GET request) reads from the
primary for DATABASE_REPLICA_PIN_SECONDS afterwards, on every page, so they never miss their own
write: the middleware sets a short-lived cookie on their response. Writes always go to the
primary, and only the primary is migrated. Code outside a request (a management command, a task)
opts in with `with replica_reads(): ...`.
"""

import contextlib
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
PIN_COOKIE = "ps_primary"
# Paths whose reads may come from the replica: the reports (pages, CSV, the metrics API) and the
# exports.
REPLICA_PATHS = ("/reports/", "/api/v1/metrics/", "/customers/export")

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


def replica_enabled() -> bool:
    return getattr(settings, "DATABASE_REPLICA_READS", False) and REPLICA in settings.DATABASES


@contextlib.contextmanager
def replica_reads(enabled: bool = True):
    token = _replica_reads.set(enabled and replica_enabled())
    try:
        yield
    finally:
        _replica_reads.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return REPLICA if _replica_reads.get() else None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA


class ReplicaPinMiddleware:
    """Reports' and exports' GETs read from the replica unless the user wrote recently."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reads = (
            replica_enabled()
            and request.method in ("GET", "HEAD")
            and request.path.startswith(REPLICA_PATHS)
            and PIN_COOKIE not in request.COOKIES
        )
        with replica_reads(reads):
            response = self.get_response(request)
        if replica_enabled() and request.method not in ("GET", "HEAD", "OPTIONS"):
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

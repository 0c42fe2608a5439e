"""/healthz says the process is up; /readyz that the database and the broker answer.

Both answer anyone (load balancers carry no credentials), so a failure says only which check
failed: the database's host, port and name and the broker's address go to the log, not the page.
"""

import logging

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from postsale.celery import app as celery_app

log = logging.getLogger(__name__)


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure means not ready
        log.warning("readyz: the database check failed", exc_info=True)
        return False
    return True


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:  # noqa: BLE001
        log.warning("readyz: the broker check failed", exc_info=True)
        return False
    return True


@never_cache
def readyz(request):
    checks = {"database": "ok" if _database_ok() else "error", "broker": "ok" if _broker_ok() else "error"}
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )

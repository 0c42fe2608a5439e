"""/healthz says the process is up; /readyz that the database and the broker answer."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from postsale.celery import app as celery_app


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database_ok() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return str(exc)
    return None


def _broker_ok() -> str | None:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # noqa: BLE001
        return str(exc)
    return None


@never_cache
def readyz(request):
    problems = {name: error for name, error in
                (("database", _database_ok()), ("broker", _broker_ok())) if error}
    status = 503 if problems else 200
    checks = {name: ("error: " + problems[name]) if name in problems else "ok"
              for name in ("database", "broker")}
    return JsonResponse({"status": "ok" if not problems else "unavailable", "checks": checks},
                        status=status)

"""django-anymail's webhook URLs, served only for the ESPs this site uses, and sturdy to bad bodies.

anymail's own urls.py routes every ESP it knows. An ESP we are not configured for answered 500 to
anyone (its view wants settings or packages we do not have) and left a traceback each time; now
it is a plain 404. With the shared secret, a body the ESP's parser cannot read was a 500, which
the ESP retries for days; now it is a 400 and nothing of it is stored: the request runs in one
transaction and the whole body is parsed before the first event is handed to our receivers.
A database that is down is still a 5xx, so the ESP retries later.
"""

import logging
from functools import wraps

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailWebhookValidationFailure
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.http import HttpResponse, JsonResponse
from django.urls import URLPattern
from django.views.decorators.csrf import csrf_exempt

log = logging.getLogger(__name__)


class MalformedWebhook(Exception):
    pass


def esp_of(pattern: URLPattern) -> str:
    """The ESP's key from the URL (`mailgun/inbound(_mime)?/$` -> mailgun)."""
    return str(pattern.pattern).lstrip("^").split("/")[0]


def webhook_esps() -> set[str]:
    return {esp.strip().lower() for esp in settings.WEBHOOK_ESPS}


def _sturdy(view_class):
    class Sturdy(view_class):
        def post(self, request, *args, **kwargs):
            try:
                self.run_validators(request)
                events = list(self.parse_events(request))
            except AnymailWebhookValidationFailure:
                raise  # wrong or missing secret: anymail's own 400
            except Exception as exc:  # noqa: BLE001 - whatever the ESP's parser trips on
                raise MalformedWebhook(f"{type(exc).__name__}: {exc}"[:300]) from exc
            try:
                with transaction.atomic():
                    for event in events:
                        self.signal.send(sender=view_class, event=event, esp_name=self.esp_name)
            except (OperationalError, InterfaceError):
                raise  # our database, not their body: 5xx, the ESP retries
            except Exception as exc:  # noqa: BLE001 - a field of the wrong type or shape
                raise MalformedWebhook(f"{type(exc).__name__}: {exc}"[:300]) from exc
            return HttpResponse()

    Sturdy.__name__ = Sturdy.__qualname__ = f"Sturdy{view_class.__name__}"
    return Sturdy


def _guard(esp: str, pattern: URLPattern):
    view_class = getattr(pattern.callback, "view_class", None)
    view = _sturdy(view_class).as_view() if view_class else pattern.callback

    @csrf_exempt
    @wraps(pattern.callback)
    def guarded(request, *args, **kwargs):
        if esp not in webhook_esps():
            return JsonResponse({"detail": "Not found."}, status=404)
        try:
            return view(request, *args, **kwargs)
        except MalformedWebhook as exc:
            log.warning("%s webhook: malformed body refused (%s)", esp, exc)
            return JsonResponse({"detail": "Malformed webhook body."}, status=400)

    return guarded


def urlpatterns() -> list[URLPattern]:
    patterns = []
    for pattern in anymail_urls.urlpatterns:
        patterns.append(
            URLPattern(pattern.pattern, _guard(esp_of(pattern), pattern), pattern.default_args, pattern.name)
        )
    return patterns

"""Requests no page can serve, refused before any view sees them."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

NUL = "\x00"


def _has_nul(querydict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in querydict.lists())


class RejectNulBytesMiddleware:
    """A NUL byte in the path, the query string or a form is a 400, never a 500.

    PostgreSQL refuses NUL in any text it is given, so `?q=%00` in a search, or any filter, broke
    in the database, after the view had accepted it. No person types one; refusing them here
    covers every page, present and future. Multipart bodies (uploads) are left to their form,
    whose fields refuse NUL themselves, so uploads keep their own handlers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            NUL in request.path
            or _has_nul(request.GET)
            or (
                request.method == "POST"
                and request.content_type == "application/x-www-form-urlencoded"
                and _has_nul(request.POST)
            )
        ):
            message = _("The request contains a character that is not allowed (a NUL byte).")
            if request.path.startswith(("/api/", "/anymail/")):
                return JsonResponse({"detail": message}, status=400)
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)


class ApiNotFoundJsonMiddleware:
    """Under /api/ a URL that matches no route is a JSON 404 like every other API error, not the
    HTML page (the schema says error bodies are JSON)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return JsonResponse({"detail": _("Not found.")}, status=404)
        return response

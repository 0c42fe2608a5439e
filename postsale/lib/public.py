"""Customers' public pages (reached from a mail, no login): one decorator for their protections.

- a strict Content Security Policy: only our own styles and our one script (static/js/public.js,
  which reports a person's interaction to the scanner rule; every page works without it), no
  inline code, forms post to ourselves;
- no caching, no referrer outside the site, no indexing (the URL holds a token);
- rate limits per client IP and per token, answered with a friendly 429 page;
- one friendly "link not valid" page for unknown, expired and used-up tokens alike;
- their reads as prepared statements (postsale/lib/prepared.py): planned once per connection,
  not on every request.
"""

from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django.utils import translation

from postsale.lib import client_ip as _client_ip
from postsale.lib.prepared import prepared_statements
from postsale.lib.ratelimit import limits_exceeded, retry_after

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
PER_IP_PER_MINUTE = getattr(settings, "PUBLIC_RATE_PER_IP", 120)
PER_TOKEN_PER_MINUTE = getattr(settings, "PUBLIC_RATE_PER_TOKEN", 30)


def client_ip(request) -> str:
    return _client_ip.client_ip(request)  # X-Forwarded-For only from TRUSTED_PROXIES


def protect(response):
    response["Content-Security-Policy"] = CSP
    response["Cache-Control"] = "no-store"
    # same-origin, not no-referrer: with no-referrer Chromium posts forms with "Origin: null" and
    # CSRF refuses them; the token-bearing URL still never reaches another site.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def public_page(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        token = kwargs.get("token", "")
        limits = {f"ip:{client_ip(request)}": PER_IP_PER_MINUTE}
        if token:
            limits[f"tok:{token[:64]}"] = PER_TOKEN_PER_MINUTE
        if limits_exceeded(limits, window_seconds=60):
            response = render(request, "public/too_many.html", status=429)
            response["Retry-After"] = str(retry_after(60))
            return protect(response)
        with prepared_statements():
            return protect(view(request, *args, **kwargs))

    return wrapper


def page_language(request, language: str | None = None) -> str:
    """The customer's language when the link tells whose it is, else the browser's
    (Accept-Language, as LocaleMiddleware read it into request.LANGUAGE_CODE), else the shop's."""
    known = dict(settings.LANGUAGES)
    for candidate in (language, getattr(request, "LANGUAGE_CODE", None)):
        if candidate and candidate.split("-")[0] in known:
            return candidate.split("-")[0]
    return settings.LANGUAGE_CODE


def render_public(request, template: str, context: dict, *, language: str | None = None, status: int = 200):
    """Render in the customer's language (their link decides it; the browser only when the
    customer's is unknown)."""
    language = page_language(request, language)
    with translation.override(language):
        response = render(request, template, {**context, "public_language": language}, status=status)
        response["Content-Language"] = language
    return response


def link_not_valid(request, language: str | None = None):
    """One page for every link that leads nowhere. Unknown and expired links know no customer,
    so both answer in the browser's language, alike (tests/surveys/test_link_guessing.py)."""
    return render_public(request, "public/not_valid.html", {}, language=language, status=404)

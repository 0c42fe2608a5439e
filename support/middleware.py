"""Security headers on the staff pages, as the customers' pages have them (postsale/lib/public).

Staff pages show personal data: never cached (no-store), and a Content-Security-Policy that runs
only our own scripts (htmx is served from static/vendor) and posts forms only to ourselves.
"""

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)
# Their own headers (public pages), their own needs (the API's browsable docs, the admin).
SKIP = ("/c/", "/api/", "/static/", "/admin/", "/anymail/", "/healthz", "/readyz")


class StaffPageHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(SKIP):
            return response
        response.setdefault("Content-Security-Policy", CSP)
        response["Cache-Control"] = "no-store"
        response.setdefault("Referrer-Policy", "same-origin")
        return response

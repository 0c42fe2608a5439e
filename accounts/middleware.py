from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware


class StaffLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every staff page needs a login; customers' pages, the API and health checks do not."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(settings.LOGIN_EXEMPT_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

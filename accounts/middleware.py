from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.shortcuts import render

from accounts.roles import ROLES


def has_role(user) -> bool:
    """Support or Manager (or a superuser): an account with no role sees no customer data."""
    return user.is_superuser or user.groups.filter(name__in=list(ROLES)).exists()


class StaffLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every staff page needs a login and a role; customers' pages, the API and health checks do not.

    A signed-in account with no role (created, not yet given one) gets a 403 page saying so on
    every staff page, instead of reading customers' e-mails on the pages that check no permission.
    The API has its own model permissions; /accounts/ stays open so such a user can log out.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(settings.LOGIN_EXEMPT_PREFIXES):
            return None
        refused = super().process_view(request, view_func, view_args, view_kwargs)
        if refused is not None:
            return refused
        if (
            getattr(view_func, "login_required", True)
            and request.user.is_authenticated
            and not has_role(request.user)
        ):
            return render(request, "registration/no_role.html", status=403)
        return None

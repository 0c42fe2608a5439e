from django.contrib.auth.mixins import PermissionRequiredMixin


def is_manager(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.groups.filter(name="Manager").exists())


class ManagerRequiredMixin(PermissionRequiredMixin):
    """Managers only: a logged-in support user gets 403, an anonymous one the login page."""

    raise_exception = True

    def has_permission(self):
        return is_manager(self.request.user)

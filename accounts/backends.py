"""Login lockout (django-axes) in front of Django's model backend."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out user or address before the password is even checked.

    Without an HTTP request (the shell, a management command, the test client's login()) there is
    no remote client to lock out, so axes is not asked (it would raise for the missing request).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

"""Access pages: password reset with a rate limit, and the managers' page to unlock logins."""

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.permissions import ManagerRequiredMixin
from postsale.lib.client_ip import client_ip
from postsale.lib.ratelimit import limit_exceeded, retry_after

RESET_WINDOW = 3600


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, rate-limited per address asked for and per client: past the limit no
    mail is sent and the page says to wait (the same for addresses we know and ones we do not,
    so the limit tells nobody which addresses have an account)."""

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        over = limit_exceeded(
            f"pwreset:ip:{client_ip(self.request)}",
            limit=settings.PASSWORD_RESET_PER_IP_PER_HOUR,
            window_seconds=RESET_WINDOW,
        ) | limit_exceeded(
            f"pwreset:email:{email}",
            limit=settings.PASSWORD_RESET_PER_EMAIL_PER_HOUR,
            window_seconds=RESET_WINDOW,
        )
        if over:
            form.add_error(None, _("Too many password reset requests. Please try again later."))
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(retry_after(RESET_WINDOW))
            return response
        return super().form_valid(form)


class LockoutListView(ManagerRequiredMixin, TemplateView):
    """Who is locked out of the login (too many wrong passwords), and a button to let them in."""

    template_name = "registration/lockouts.html"

    def get_context_data(self, **kwargs):
        limit = settings.AXES_FAILURE_LIMIT
        attempts = AccessAttempt.objects.filter(failures_since_start__gte=limit).order_by("-attempt_time")
        return {**super().get_context_data(**kwargs), "attempts": attempts, "limit": limit}

    def post(self, request):
        username = request.POST.get("username", "")
        ip = request.POST.get("ip_address", "")
        if username:
            reset(username=username)
        if ip:
            reset(ip=ip)
        if username or ip:
            messages.success(request, _("Unlocked: %(who)s.") % {"who": username or ip})
        return redirect("lockouts")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from followups import kinds
        from followups.models import Kind

        kinds.register(Kind.WEEKLY_DIGEST, render=_render_digest)


def _render_digest(message):
    from reports.digest import render_message  # the charts' imports only when a digest is sent

    return render_message(message)

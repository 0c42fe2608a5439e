from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "followups"
    verbose_name = _("Follow-ups")

    def ready(self):
        from followups import subscribers, webhooks  # noqa: F401 - connects anymail's signals

        subscribers.subscribe_all()

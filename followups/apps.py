from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "followups"
    verbose_name = _("Follow-ups")

    def ready(self):
        from followups import subscribers, timeline, webhooks  # noqa: F401 - signals, sentences

        subscribers.subscribe_all()

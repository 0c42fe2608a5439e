from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self):
        from followups import kinds
        from followups.models import Kind
        from surveys import timeline  # noqa: F401 - registers the answer's sentence
        from surveys.invitations import mail_context
        from surveys.selectors import reminders_unwanted

        for kind in (Kind.SURVEY, Kind.CASE_SURVEY):
            kinds.register(kind, context=mail_context, unwanted=reminders_unwanted)

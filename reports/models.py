from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportAccess(models.Model):
    """No table: only the permission to read retention reports, held by the Manager group."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_reports", _("Can read retention reports"))]

    def __str__(self):
        return "report access"


from reports.dashboard_models import DigestPreference  # noqa: E402,F401  (the dashboard's rows)

"""The dashboard's own rows (imported by reports.models, which the app's other pages share)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

LANGUAGES = [("es", "Español"), ("en", "English")]


class DigestPreference(models.Model):
    """A manager's weekly digest: in which language, whether at all, and the last week sent.

    A manager without a row gets the digest in the site's language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="digest_preference",
        verbose_name=_("manager"),
    )
    language = models.CharField(_("language"), max_length=5, choices=LANGUAGES)
    enabled = models.BooleanField(_("send me the weekly digest"), default=True)
    # The Monday of the last week mailed: the claim that keeps a rerun from sending twice.
    sent_for = models.DateField(_("last week sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("weekly digest preference")
        verbose_name_plural = _("weekly digest preferences")

    def __str__(self):
        return f"{self.user} ({self.language})"

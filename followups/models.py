from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class KeptMail(models.Model):
    """A mail as the embedded default "sends" it: kept in the database for a person to read."""

    message_id = models.CharField(max_length=100, unique=True)
    sent_at = models.DateTimeField(default=timezone.now, db_index=True)
    from_email = models.CharField(max_length=300)
    to = models.CharField(max_length=1000)
    subject = models.CharField(max_length=500)
    text_body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("kept mail")
        verbose_name_plural = _("kept mail")
        ordering = ["-sent_at", "-id"]

    def __str__(self):
        return f"{self.to}: {self.subject}"


class FollowupRules(models.Model):
    """The managers' rules for the engine: one row (pk=1), read at plan and at send time."""

    thank_you_enabled = models.BooleanField(_("send thank-you notes"), default=True)
    thank_you_delay_minutes = models.PositiveIntegerField(_("thank-you delay (minutes)"),
                                                          default=60)
    delay_notice_enabled = models.BooleanField(_("send delay notices"), default=True)
    usage_tips_enabled = models.BooleanField(_("send usage tips"), default=True)
    usage_tips_days = models.PositiveIntegerField(_("usage tips after (days)"), default=7)
    survey_enabled = models.BooleanField(_("send satisfaction surveys"), default=True)
    survey_days = models.PositiveIntegerField(_("survey after delivery (days)"), default=5)
    survey_days_by_category = models.JSONField(
        _("survey delay per product category (days)"), default=dict, blank=True,
        help_text=_('For example {"electronics": 10, "food": 2}.'))
    case_survey_enabled = models.BooleanField(_("send case surveys"), default=True)
    case_survey_delay_hours = models.PositiveIntegerField(_("case survey after (hours)"),
                                                          default=24)
    birthday_enabled = models.BooleanField(_("send birthday notes"), default=True)
    birthday_hour = models.PositiveSmallIntegerField(_("birthday note hour (local)"), default=9)
    frequency_cap = models.PositiveSmallIntegerField(
        _("non-transactional messages per customer per period"), default=3)
    frequency_period_days = models.PositiveSmallIntegerField(_("frequency period (days)"),
                                                             default=7)
    survey_fatigue_days = models.PositiveSmallIntegerField(
        _("at most one survey per customer every (days)"), default=30)
    quiet_hours_start = models.PositiveSmallIntegerField(_("quiet hours start (hour)"),
                                                         default=21)
    quiet_hours_end = models.PositiveSmallIntegerField(_("quiet hours end (hour)"), default=9)
    soft_bounce_limit = models.PositiveSmallIntegerField(
        _("soft bounces before an address is suppressed"), default=3)

    class Meta:
        verbose_name = _("follow-up rules")
        verbose_name_plural = _("follow-up rules")
        constraints = [
            models.CheckConstraint(condition=models.Q(quiet_hours_start__lt=24,
                                                      quiet_hours_end__lt=24, birthday_hour__lt=24),
                                   name="rules_hours_in_day"),
        ]

    def __str__(self):
        return str(_("Follow-up rules"))

    @classmethod
    def current(cls) -> "FollowupRules":
        rules, _created = cls.objects.get_or_create(pk=1)
        return rules

    def survey_days_for(self, category: str) -> int:
        return int(self.survey_days_by_category.get(category, self.survey_days))

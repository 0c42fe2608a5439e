import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from postsale.lib.scanners import AutomationReason
from surveys.definitions import SurveyType, asks_buy_again, asks_effort, main_scale

# How long a survey link works after the mail went out.
SURVEY_LINK_DAYS = 30


def invitation_expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=SURVEY_LINK_DAYS)


class Invitation(models.Model):
    """One question put to a customer by one survey mail; its reminder asks the same invitation."""

    message = models.OneToOneField(
        "followups.Message",
        on_delete=models.CASCADE,
        related_name="survey_invitation",
        verbose_name=_("message"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="survey_invitations",
        verbose_name=_("customer"),
    )
    sale = models.ForeignKey(
        "customers.Sale",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="survey_invitations",
        verbose_name=_("sale"),
    )
    complaint = models.ForeignKey(
        "customers.Complaint",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="survey_invitations",
        verbose_name=_("case asked about"),
    )
    survey_type = models.CharField(_("survey"), max_length=10, choices=SurveyType.choices)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("link expires at"), default=invitation_expiry)
    # First answer by a person; flagged (automated) submissions never set it.
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder planned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        indexes = [
            # The reminder sweep reads only unanswered, unreminded invitations, by age.
            models.Index(
                fields=["created_at"],
                name="invitation_remind_idx",
                condition=Q(answered_at__isnull=True, reminded_at__isnull=True),
            ),
            models.Index(fields=["sale", "answered_at"], name="invitation_sale_idx"),
            models.Index(fields=["survey_type", "created_at"], name="invitation_type_created_idx"),
        ]

    def __str__(self):
        return f"{self.get_survey_type_display()} → {self.customer_id} ({self.created_at:%Y-%m-%d})"

    @property
    def about_case(self) -> bool:
        return self.complaint_id is not None

    @property
    def scale(self):
        return main_scale(self.survey_type, about_case=self.about_case)

    @property
    def asks_effort(self) -> bool:
        return asks_effort(self.survey_type, about_case=self.about_case)

    @property
    def asks_buy_again(self) -> bool:
        return asks_buy_again(self.survey_type, about_case=self.about_case)


class InvitationToken(models.Model):
    """A link to an invitation: the first mail's, a reminder's, the order page's. Hash only."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    # Which mail carried the link (empty for links minted by the order page).
    message = models.ForeignKey(
        "followups.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("survey link")
        verbose_name_plural = _("survey links")

    def __str__(self):
        return f"{self.invitation_id}:{self.token_hash[:8]}"


# Why a submission looks automated: one list for every public page (postsale/lib/scanners.py).
FlagReason = AutomationReason


class Answer(models.Model):
    """The invitation's current answer: a person's latest submission (or, until one comes, the
    latest automated one, kept flagged and out of the metrics)."""

    invitation = models.OneToOneField(
        Invitation, on_delete=models.CASCADE, related_name="answer", verbose_name=_("invitation")
    )
    # Copies of the invitation's, so the metrics and the API read one table.
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="survey_answers",
        verbose_name=_("customer"),
    )
    survey_type = models.CharField(_("survey"), max_length=10, choices=SurveyType.choices)
    score = models.PositiveSmallIntegerField(_("score"))
    ces_score = models.PositiveSmallIntegerField(_("effort score (CES)"), null=True, blank=True)
    would_buy_again = models.BooleanField(_("would buy again"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    flagged = models.BooleanField(_("looks automated"), default=False)
    # The case this answer opened (once per invitation, however often the answer changes).
    complaint = models.ForeignKey(
        "customers.Complaint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_answers",
        verbose_name=_("case opened"),
    )

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        ordering = ["-answered_at", "-id"]
        indexes = [
            models.Index(
                fields=["survey_type", "answered_at"], name="answer_metrics_idx", condition=Q(flagged=False)
            ),
            models.Index(fields=["answered_at"], name="answer_answered_idx"),
            models.Index(fields=["customer", "answered_at"], name="answer_customer_idx"),
        ]

    def __str__(self):
        return f"{self.get_survey_type_display()} {self.score}"


class AnswerRevision(models.Model):
    """Every submission as it came, with what tells a person from a machine."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="revisions")
    score = models.PositiveSmallIntegerField(_("score"))
    ces_score = models.PositiveSmallIntegerField(_("effort score (CES)"), null=True, blank=True)
    would_buy_again = models.BooleanField(_("would buy again"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    seconds_since_page_served = models.FloatField(
        _("seconds since the page was served"),
        null=True,
        blank=True,
        help_text=_("Empty: no valid page load came before this submission."),
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    flagged = models.BooleanField(_("looks automated"), default=False)
    flag_reason = models.CharField(_("why flagged"), max_length=20, blank=True, choices=FlagReason.choices)

    class Meta:
        verbose_name = _("survey answer revision")
        verbose_name_plural = _("survey answer revisions")
        ordering = ["submitted_at", "id"]

    def __str__(self):
        return f"{self.score} ({self.submitted_at:%Y-%m-%d %H:%M})"

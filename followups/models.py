from django.core.validators import MaxValueValidator, MinValueValidator
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
    stuck_parcel_days = models.PositiveSmallIntegerField(
        _("a parcel is stuck when its status has not moved for (days)"), default=4,
        validators=[MinValueValidator(1), MaxValueValidator(60)])
    stuck_parcel_days_by_carrier = models.JSONField(
        _("stuck after (days) per carrier"), default=dict, blank=True,
        help_text=_('For example {"SEUR": 3, "Correos": 6}; other carriers use the days above.'))
    stuck_parcel_notice_enabled = models.BooleanField(
        _("tell the customer we are checking on a stuck parcel"), default=True)

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

    def stuck_days_by_carrier(self) -> dict[str, int]:
        """Carrier overrides keyed as the sweep compares them: trimmed, lower case."""
        return {carrier_key(name): int(days)
                for name, days in (self.stuck_parcel_days_by_carrier or {}).items()}


def carrier_key(name: str) -> str:
    return name.strip().lower()  # the sweep's Lower(Trim(carrier)) in SQL


class Kind(models.TextChoices):
    THANK_YOU = "thank_you", _("Thank-you note")
    USAGE_TIPS = "usage_tips", _("Usage tips")
    DELAY_NOTICE = "delay_notice", _("Delay notice")
    SURVEY = "survey", _("Satisfaction survey")
    CASE_SURVEY = "case_survey", _("Case survey")
    BIRTHDAY = "birthday", _("Birthday note")
    WINBACK = "winback", _("Win-back offer")
    PARCEL_CHECK = "parcel_check", _("Stuck parcel notice")
    CASE_REPLY = "case_reply", _("Reply on a case")


class Category(models.TextChoices):
    """What the customer can opt out of: transactional mail goes to all not suppressed outright."""

    TRANSACTIONAL = "transactional", _("Order updates")
    RELATIONSHIP = "relationship", _("Tips and greetings")
    SURVEY = "survey", _("Surveys")
    PROMOTIONAL = "promotional", _("Offers")


KIND_CATEGORY = {
    Kind.THANK_YOU: Category.TRANSACTIONAL,
    Kind.DELAY_NOTICE: Category.TRANSACTIONAL,
    Kind.PARCEL_CHECK: Category.TRANSACTIONAL,
    Kind.CASE_REPLY: Category.TRANSACTIONAL,  # support answering the customer's own question
    Kind.USAGE_TIPS: Category.RELATIONSHIP,
    Kind.BIRTHDAY: Category.RELATIONSHIP,
    Kind.SURVEY: Category.SURVEY,
    Kind.CASE_SURVEY: Category.SURVEY,
    Kind.WINBACK: Category.PROMOTIONAL,
}


class State(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    SUPPRESSED = "suppressed", _("Suppressed")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


class Message(models.Model):
    """One follow-up mail: planned, checked at send time, sent at most once. The outbox row."""

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="messages", verbose_name=_("customer"))
    sale = models.ForeignKey("customers.Sale", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="messages")
    complaint = models.ForeignKey("customers.Complaint", on_delete=models.CASCADE, null=True,
                                  blank=True, related_name="messages")
    # kind + subject (+ version, e.g. the delivery's new date): a second plan of the same thing
    # hits this unique key instead of making a second row.
    dedupe_key = models.CharField(max_length=200, unique=True)
    planned_at = models.DateTimeField(_("planned for"))
    expires_at = models.DateTimeField(_("cancelled if not sent by"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices,
                             default=State.PLANNED)
    reason = models.CharField(_("reason"), max_length=40, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    to_email = models.CharField(max_length=254, blank=True)
    language = models.CharField(max_length=5, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    text_body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    esp_message_id = models.CharField(max_length=200, blank=True)
    token_hash = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-planned_at", "-id"]
        indexes = [
            # The dispatch sweep: due planned rows by time, nothing else.
            models.Index(fields=["planned_at"], name="message_due_idx",
                         condition=models.Q(state="planned")),
            models.Index(fields=["claimed_at"], name="message_sending_idx",
                         condition=models.Q(state="sending")),
            # The claim's "is a batch already sending to this customer?" (a handful of rows).
            models.Index(fields=["customer"], name="message_sending_customer_idx",
                         condition=models.Q(state="sending")),
            # Frequency cap and survey fatigue: a customer's recent sent mail.
            models.Index(fields=["customer", "sent_at"], name="message_customer_sent_idx"),
            models.Index(fields=["esp_message_id"], name="message_esp_id_idx"),
            models.Index(fields=["token_hash"], name="message_token_idx"),
            models.Index(fields=["state", "kind"], name="message_state_kind_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.customer_id} ({self.state})"


class MessageEvent(models.Model):
    """What happened to a message: deferrals and outcomes we decide, and ESP tracking events."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    event = models.CharField(_("event"), max_length=20)
    at = models.DateTimeField(_("when"), default=timezone.now)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    esp_event_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("message event")
        verbose_name_plural = _("message events")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.event} {self.detail}"


class SuppressionReason(models.TextChoices):
    HARD_BOUNCE = "hard_bounce", _("Hard bounce")
    SOFT_BOUNCES = "soft_bounces", _("Repeated soft bounces")
    SPAM_COMPLAINT = "spam_complaint", _("Marked as spam")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    MANUAL = "manual", _("Added by staff")


class Suppression(models.Model):
    """An address that must not get mail: of one category, or (category empty) of any kind."""

    email = models.CharField(_("e-mail"), max_length=254)
    category = models.CharField(_("category"), max_length=20, blank=True,
                                choices=Category.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=SuppressionReason.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("suppression")
        verbose_name_plural = _("suppressions")
        constraints = [models.UniqueConstraint(fields=["email", "category"],
                                               name="suppression_email_category_uniq")]

    def __str__(self):
        return f"{self.email} ({self.category or 'all'})"


class MessageTemplate(models.Model):
    """A manager's override of a kind's shipped template, in one language (Django template text)."""

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=5, choices=[("es", "Español"),
                                                                       ("en", "English")])
    subject = models.CharField(_("subject"), max_length=300)
    text_body = models.TextField(_("text body"))
    html_body = models.TextField(_("HTML body"), blank=True,
                                 help_text=_("Empty: the text body, as paragraphs."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [models.UniqueConstraint(fields=["kind", "language"],
                                               name="template_kind_language_uniq")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.language})"


class StuckParcel(models.Model):
    """One stuck episode: a delivery whose status had not moved since `since` (its
    status_changed_at when found). A status change starts a new episode; the unique key keeps a
    rerun (or two sweeps at once) from opening a second case for the same one."""

    delivery = models.ForeignKey("customers.Delivery", on_delete=models.CASCADE,
                                 related_name="stuck_episodes", verbose_name=_("delivery"))
    since = models.DateTimeField(_("status unchanged since"))
    status = models.CharField(_("status"), max_length=12)
    complaint = models.ForeignKey("customers.Complaint", on_delete=models.SET_NULL, null=True,
                                  blank=True, related_name="+", verbose_name=_("case"))
    found_at = models.DateTimeField(_("found at"), default=timezone.now)

    class Meta:
        verbose_name = _("stuck parcel")
        verbose_name_plural = _("stuck parcels")
        constraints = [models.UniqueConstraint(fields=["delivery", "since"],
                                               name="stuck_parcel_episode_uniq")]

    def __str__(self):
        return f"{self.delivery_id} @ {self.since:%Y-%m-%d}"


class UsageTip(models.Model):
    """A manager's usage tips for one product category in one language, replacing the shipped
    text (templates/emails/<language>/tips/<category>.txt) for that pair."""

    category = models.CharField(_("product category"), max_length=100,
                                help_text=_('As in the sales\' lines, e.g. "electronica"; '
                                            '"generic" is the text for any other category.'))
    language = models.CharField(_("language"), max_length=5, choices=[("es", "Español"),
                                                                       ("en", "English")])
    text = models.TextField(_("tips"), help_text=_("Plain text; one tip per line, starting "
                                                   "with a dash, reads best."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("usage tips")
        verbose_name_plural = _("usage tips")
        constraints = [models.UniqueConstraint(fields=["category", "language"],
                                               name="usage_tip_category_language_uniq")]

    def __str__(self):
        return f"{self.category} ({self.language})"

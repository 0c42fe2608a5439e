import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from customers.choices import Language

log = logging.getLogger(__name__)


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


# The rules' bounds: past them a value breaks planning (a delay of 10**14 minutes overflows every
# date it is added to) or makes no sense. FollowupRules.current() reads a row saved before these
# bounds existed as if it held the nearest bound.
MAX_DELAY_MINUTES = 7 * 24 * 60
MAX_DAYS = 365
MAX_CASE_SURVEY_HOURS = 30 * 24


def between(low: int, high: int) -> list:
    message = format_lazy(_("Use a whole number from {low} to {high}."), low=low, high=high)
    return [MinValueValidator(low, message=message), MaxValueValidator(high, message=message)]


def validate_days_by_category(value) -> None:
    if not isinstance(value, dict) or not all(
        isinstance(category, str) and type(days) is int and 0 <= days <= MAX_DAYS
        for category, days in value.items()
    ):
        raise ValidationError(
            _('Use {"category": days}, with days a whole number from 0 to %(high)s.'),
            params={"high": MAX_DAYS},
            code="days_by_category",
        )


class FollowupRules(models.Model):
    """The managers' rules for the engine: one row (pk=1), read at plan and at send time."""

    thank_you_enabled = models.BooleanField(_("send thank-you notes"), default=True)
    thank_you_delay_minutes = models.PositiveIntegerField(
        _("thank-you delay (minutes)"),
        default=60,
        validators=between(0, MAX_DELAY_MINUTES),
        help_text=_("From 0 to 10080 (7 days)."),
    )
    delay_notice_enabled = models.BooleanField(_("send delay notices"), default=True)
    usage_tips_enabled = models.BooleanField(_("send usage tips"), default=True)
    usage_tips_days = models.PositiveIntegerField(
        _("usage tips after (days)"),
        default=7,
        validators=between(0, MAX_DAYS),
        help_text=_("From 0 to 365."),
    )
    survey_enabled = models.BooleanField(_("send satisfaction surveys"), default=True)
    survey_days = models.PositiveIntegerField(
        _("survey after delivery (days)"),
        default=5,
        validators=between(0, MAX_DAYS),
        help_text=_("From 0 to 365."),
    )
    survey_days_by_category = models.JSONField(
        _("survey delay per product category (days)"),
        default=dict,
        blank=True,
        validators=[validate_days_by_category],
        help_text=_('For example {"electronics": 10, "food": 2}; days from 0 to 365.'),
    )
    case_survey_enabled = models.BooleanField(_("send case surveys"), default=True)
    case_survey_delay_hours = models.PositiveIntegerField(
        _("case survey after (hours)"),
        default=24,
        validators=between(0, MAX_CASE_SURVEY_HOURS),
        help_text=_("From 0 to 720 (30 days)."),
    )
    birthday_enabled = models.BooleanField(_("send birthday notes"), default=True)
    birthday_hour = models.PositiveSmallIntegerField(
        _("birthday note hour (local)"),
        default=9,
        validators=between(0, 23),
        help_text=_("From 0 to 23, outside quiet hours."),
    )
    frequency_cap = models.PositiveSmallIntegerField(
        _("non-transactional messages per customer per period"),
        default=3,
        validators=between(0, 100),
        help_text=_("From 0 to 100; 0 turns the cap off."),
    )
    frequency_period_days = models.PositiveSmallIntegerField(
        _("frequency period (days)"),
        default=7,
        validators=between(1, MAX_DAYS),
        help_text=_("From 1 to 365."),
    )
    min_gap_minutes = models.PositiveSmallIntegerField(
        _("minimum gap between two mails to one customer (minutes)"),
        default=30,
        validators=between(0, 24 * 60),
        help_text=_("From 0 to 1440; 0 turns it off. Order updates are never held back by it."),
    )
    survey_fatigue_days = models.PositiveSmallIntegerField(
        _("at most one survey per customer every (days)"),
        default=30,
        validators=between(0, MAX_DAYS),
        help_text=_("From 0 to 365; 0 turns the pause off."),
    )
    quiet_hours_start = models.PositiveSmallIntegerField(
        _("quiet hours start (hour)"),
        default=21,
        validators=between(0, 23),
        help_text=_("From 0 to 23, in each customer's time zone."),
    )
    quiet_hours_end = models.PositiveSmallIntegerField(
        _("quiet hours end (hour)"),
        default=9,
        validators=between(0, 23),
        help_text=_("From 0 to 23. The same hour as the start: no quiet hours."),
    )
    soft_bounce_limit = models.PositiveSmallIntegerField(
        _("soft bounces before an address is suppressed"),
        default=3,
        validators=between(1, 100),
        help_text=_("From 1 to 100."),
    )
    stuck_parcel_days = models.PositiveSmallIntegerField(
        _("a parcel is stuck when its status has not moved for (days)"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    stuck_parcel_days_by_carrier = models.JSONField(
        _("stuck after (days) per carrier"),
        default=dict,
        blank=True,
        help_text=_('For example {"SEUR": 3, "Correos": 6}; other carriers use the days above.'),
    )
    stuck_parcel_notice_enabled = models.BooleanField(
        _("tell the customer we are checking on a stuck parcel"), default=True
    )

    class Meta:
        verbose_name = _("follow-up rules")
        verbose_name_plural = _("follow-up rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quiet_hours_start__lt=24, quiet_hours_end__lt=24, birthday_hour__lt=24),
                name="rules_hours_in_day",
            ),
        ]

    def __str__(self):
        return str(_("Follow-up rules"))

    def clean(self):
        in_day = all(
            0 <= (hour or 0) <= 23
            for hour in (self.birthday_hour, self.quiet_hours_start, self.quiet_hours_end)
        )
        if in_day and self.birthday_enabled and self.is_quiet_hour(self.birthday_hour):
            raise ValidationError(
                {
                    "birthday_hour": _(
                        "This hour is within the quiet hours: every birthday note would wait until they "
                        "end. Choose an hour outside them."
                    )
                }
            )

    def is_quiet_hour(self, hour) -> bool:
        start, end = self.quiet_hours_start, self.quiet_hours_end
        if None in (hour, start, end) or start == end:
            return False
        return (hour >= start or hour < end) if start > end else start <= hour < end

    @classmethod
    def current(cls) -> "FollowupRules":
        rules, _created = cls.objects.get_or_create(pk=1)
        rules.clamp()
        return rules

    def clamp(self) -> None:
        """Read a value out of bounds (saved before they existed, or by SQL) as the nearest
        bound, with a log line, instead of letting it crash the planning of every sale."""
        for field in self._meta.concrete_fields:
            lows = [v.limit_value for v in field.validators if isinstance(v, MinValueValidator)]
            highs = [v.limit_value for v in field.validators if isinstance(v, MaxValueValidator)]
            value = getattr(self, field.attname)
            if not isinstance(value, int) or not (lows or highs):
                continue
            bounded = min(max([value, *lows]), *highs) if highs else max([value, *lows])
            if bounded != value:
                log.warning("follow-up rules: %s=%s is out of bounds, read as %s", field.name, value, bounded)
                setattr(self, field.attname, bounded)

    def survey_days_for(self, category: str) -> int:
        days = (
            self.survey_days_by_category.get(category, self.survey_days)
            if isinstance(self.survey_days_by_category, dict)
            else self.survey_days
        )
        try:
            return min(max(int(days), 0), MAX_DAYS)
        except (TypeError, ValueError):
            log.warning("follow-up rules: survey days %r for %r is not a number", days, category)
            return self.survey_days

    def stuck_days_by_carrier(self) -> dict[str, int]:
        """Carrier overrides keyed as the sweep compares them: trimmed, lower case."""
        return {
            carrier_key(name): int(days) for name, days in (self.stuck_parcel_days_by_carrier or {}).items()
        }


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
    CAMPAIGN = "campaign", _("Campaign")
    SUPPORT_MESSAGE = "support_message", _("Message from support")
    WEEKLY_DIGEST = "weekly_digest", _("Weekly digest (to a manager)")


# Mail to the shop's own staff, not to a customer: it goes through the same outbox (claim, send
# once, retry, ESP events) but none of the customer's rules apply (consent, contact budget, quiet
# hours in their zone, unsubscribe link), and it has no manager-editable template.
STAFF_KINDS = (Kind.WEEKLY_DIGEST,)
CUSTOMER_KINDS = tuple(kind for kind in Kind if kind not in STAFF_KINDS)


class Category(models.TextChoices):
    """What the customer can opt out of: transactional mail goes to all not suppressed outright."""

    TRANSACTIONAL = "transactional", _("Order updates")
    RELATIONSHIP = "relationship", _("Tips and greetings")
    SURVEY = "survey", _("Surveys")
    PROMOTIONAL = "promotional", _("Offers")


# What a customer may opt out of, and what counts against their contact budget.
OPTIONAL_CATEGORIES = (Category.RELATIONSHIP, Category.SURVEY, Category.PROMOTIONAL)

KIND_CATEGORY = {
    Kind.THANK_YOU: Category.TRANSACTIONAL,
    Kind.DELAY_NOTICE: Category.TRANSACTIONAL,
    Kind.PARCEL_CHECK: Category.TRANSACTIONAL,
    Kind.CASE_REPLY: Category.TRANSACTIONAL,  # support answering the customer's own question
    Kind.SUPPORT_MESSAGE: Category.TRANSACTIONAL,  # a one-off mail from the customer page
    Kind.USAGE_TIPS: Category.RELATIONSHIP,
    Kind.BIRTHDAY: Category.RELATIONSHIP,
    Kind.SURVEY: Category.SURVEY,
    Kind.CASE_SURVEY: Category.SURVEY,
    Kind.WINBACK: Category.PROMOTIONAL,
    Kind.CAMPAIGN: Category.PROMOTIONAL,
    Kind.WEEKLY_DIGEST: Category.TRANSACTIONAL,  # staff mail: outside every customer rule
}


class State(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    SUPPRESSED = "suppressed", _("Suppressed")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


class Reason(models.TextChoices):
    """Why a message is where it is: the rule that deferred, suppressed or cancelled it, or what
    happened to it. Stored as the code; staff read the label."""

    # Deferred ("not now")
    QUIET_HOURS = "quiet_hours", _("Quiet hours")
    FREQUENCY_CAP = "frequency_cap", _("Contact budget reached")
    SURVEY_FATIGUE = "survey_fatigue", _("A survey was sent recently")
    OPEN_COMPLAINT = "open_complaint", _("The customer has an open case")
    ORDER_NOT_DELIVERED = "order_not_delivered", _("The order has not arrived yet")
    MIN_GAP = "min_gap", _("Another mail went to the customer moments ago")
    # Suppressed ("never to this address")
    DO_NOT_CONTACT = "do_not_contact", _("Do not contact")
    NO_EMAIL = "no_email", _("No e-mail address")
    HARD_BOUNCE = "hard_bounce", _("Hard bounce")
    SOFT_BOUNCES = "soft_bounces", _("Repeated soft bounces")
    SPAM_COMPLAINT = "spam_complaint", _("Marked as spam")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    MANUAL = "manual", _("Added by staff")
    NO_CONSENT = "no_consent", _("No marketing consent")
    # Cancelled ("no longer wanted")
    EXPIRED = "expired", _("Its moment passed")
    SURVEY_ANSWERED = "survey_answered", _("The survey was answered meanwhile")
    DELIVERED = "delivered", _("The parcel arrived meanwhile")
    NO_LONGER_LATE = "no_longer_late", _("The parcel is no longer late")
    SUPERSEDED = "superseded", _("A newer message replaced it")
    PARCEL_MOVED = "parcel_moved", _("The parcel moved meanwhile")
    STOPPED = "stopped", _("Stopped by staff")
    # Sending
    RETRY = "retry", _("Waiting to retry after an ESP error")
    FAILED = "failed", _("Failed")
    RECOVERED = "recovered", _("Recovered after a worker stopped")
    RETRIED = "retried", _("Sent again by staff")


DEFERRAL_REASONS = (
    Reason.QUIET_HOURS,
    Reason.FREQUENCY_CAP,
    Reason.SURVEY_FATIGUE,
    Reason.OPEN_COMPLAINT,
    Reason.ORDER_NOT_DELIVERED,
)


class EventKind(models.TextChoices):
    """What happened to a message: our own decisions, then what the ESP reports (anymail's
    normalised event types)."""

    SENT = "sent", _("Sent")
    DEFER = "defer", _("Deferred")
    SUPPRESS = "suppress", _("Suppressed")
    CANCEL = "cancel", _("Cancelled")
    RETRY = "retry", _("Retry")
    FAILED = "failed", _("Failed")
    RECOVERED = "recovered", _("Recovered")
    RETRIED = "retried", _("Sent again by staff")
    QUEUED = "queued", _("Queued by the ESP")
    DELIVERED = "delivered", _("Delivered")
    DEFERRED = "deferred", _("Delayed by the ESP")
    REJECTED = "rejected", _("Rejected")
    FAILED_ESP = "failed_esp", _("Failed at the ESP")
    BOUNCED = "bounced", _("Bounced")
    COMPLAINED = "complained", _("Marked as spam")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    SUBSCRIBED = "subscribed", _("Subscribed")
    OPENED = "opened", _("Opened")
    CLICKED = "clicked", _("Clicked")
    UNKNOWN = "unknown", _("Other ESP event")


class Message(models.Model):
    """One follow-up mail: planned, checked at send time, sent at most once. The outbox row."""

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    # The recipient: a customer, or (staff kinds only) a member of staff.
    # Every index of this table costs each sent mail an index insertion (a send rewrites the
    # row), so none is kept that another covers: `customer` is served by
    # message_customer_sent_idx (customer first), the rarely set ones by partial indexes, and
    # dedupe_key by its unique constraint alone (no LIKE index, nothing searches it by prefix).
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("customer"),
        db_index=False,
    )
    staff_recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="staff_messages",
        verbose_name=_("staff recipient"),
        db_index=False,
    )
    sale = models.ForeignKey(
        "customers.Sale", on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    complaint = models.ForeignKey(
        "customers.Complaint",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        db_index=False,
    )
    # kind + subject (+ version, e.g. the delivery's new date): a second plan of the same thing
    # hits this unique key instead of making a second row (message_dedupe_key_unique).
    dedupe_key = models.CharField(max_length=200)
    planned_at = models.DateTimeField(_("planned for"))
    expires_at = models.DateTimeField(_("cancelled if not sent by"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.PLANNED)
    reason = models.CharField(_("reason"), max_length=40, blank=True, choices=Reason.choices)
    # Set while a rule defers the row (planned_at is then the same moment).
    deferred_until = models.DateTimeField(_("deferred until"), null=True, blank=True)
    # For a message cancelled as expired: the rule that kept it back until its window closed.
    held_by = models.CharField(_("held back by"), max_length=40, blank=True, choices=Reason.choices)
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
            models.Index(fields=["planned_at"], name="message_due_idx", condition=models.Q(state="planned")),
            models.Index(
                fields=["claimed_at"], name="message_sending_idx", condition=models.Q(state="sending")
            ),
            # The claim's "is a batch already sending to this customer?" (a handful of rows).
            models.Index(
                fields=["customer"], name="message_sending_customer_idx", condition=models.Q(state="sending")
            ),
            # Frequency cap and survey fatigue: a customer's recent sent mail.
            models.Index(fields=["customer", "sent_at"], name="message_customer_sent_idx"),
            models.Index(fields=["esp_message_id"], name="message_esp_id_idx"),
            models.Index(fields=["token_hash"], name="message_token_idx"),
            models.Index(fields=["state", "kind"], name="message_state_kind_idx"),
            models.Index(
                fields=["complaint"],
                name="message_complaint_idx",
                condition=models.Q(complaint__isnull=False),
            ),
            models.Index(
                fields=["staff_recipient"],
                name="message_staff_recipient_idx",
                condition=models.Q(staff_recipient__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], name="message_dedupe_key_unique"),
            models.CheckConstraint(
                condition=models.Q(customer__isnull=False, staff_recipient__isnull=True)
                | models.Q(customer__isnull=True, staff_recipient__isnull=False, kind__in=STAFF_KINDS),
                name="message_one_recipient",
            ),
        ]

    def __str__(self):
        to = self.customer_id if self.customer_id else f"staff {self.staff_recipient_id}"
        return f"{self.get_kind_display()} → {to} ({self.state})"

    @property
    def for_staff(self) -> bool:
        return self.customer_id is None

    @property
    def recipient_email(self) -> str:
        return self.staff_recipient.email if self.for_staff else self.customer.email


class SendMark(models.Model):
    """ "The ESP has this mail": step 4 of followups.dispatch, one narrow row per mail accepted.

    Written the moment the ESP accepts a mail, committed alone, and taken away by the batch's
    record (step 5), which moves it onto the message (`sent`, sent_at, the ESP's id, the mail as
    sent) for the whole batch in one statement. An INSERT into this table (its primary key its
    only index) costs about a third of rewriting the outbox row, which has a dozen indexes.
    Until step 5 a message with a mark counts as sent: the contact budget, its links and the
    recovery sweep read the mark. No foreign-key constraint in the database: the check would cost
    each mark a lookup and a lock on the message row (deleting a message still deletes its mark,
    through Django).
    """

    message = models.OneToOneField(
        Message, on_delete=models.CASCADE, primary_key=True, related_name="send_mark", db_constraint=False
    )
    accepted_at = models.DateTimeField()
    esp_message_id = models.CharField(max_length=200, blank=True)
    to_email = models.CharField(max_length=254, blank=True)
    language = models.CharField(max_length=5, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    text_body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)

    class Meta:
        verbose_name = _("accepted mail not yet recorded")
        verbose_name_plural = _("accepted mails not yet recorded")

    def __str__(self):
        return f"message {self.message_id} accepted at {self.accepted_at:%Y-%m-%d %H:%M:%S}"


class MessageEvent(models.Model):
    """What happened to a message: deferrals and outcomes we decide, and ESP tracking events."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    event = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=40, blank=True, choices=Reason.choices)
    until = models.DateTimeField(_("until"), null=True, blank=True)
    # A temporary failure (an ESP's soft bounce or deferral): counted towards soft_bounce_limit.
    soft = models.BooleanField(_("soft"), default=False)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    esp_event_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("message event")
        verbose_name_plural = _("message events")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.event} {self.reason or self.detail}"


class SuppressionReason(models.TextChoices):
    HARD_BOUNCE = "hard_bounce", _("Hard bounce")
    SOFT_BOUNCES = "soft_bounces", _("Repeated soft bounces")
    SPAM_COMPLAINT = "spam_complaint", _("Marked as spam")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    MANUAL = "manual", _("Added by staff")


class Suppression(models.Model):
    """An address that must not get mail: of one category, or (category empty) of any kind."""

    email = models.CharField(_("e-mail"), max_length=254)
    category = models.CharField(_("category"), max_length=20, blank=True, choices=Category.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=SuppressionReason.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("suppression")
        verbose_name_plural = _("suppressions")
        constraints = [
            models.UniqueConstraint(fields=["email", "category"], name="suppression_email_category_uniq")
        ]

    def __str__(self):
        return f"{self.email} ({self.category or 'all'})"


class MessageTemplate(models.Model):
    """A manager's override of a kind's shipped template, in one language (Django template text)."""

    kind = models.CharField(_("kind"), max_length=20, choices=[(k.value, k.label) for k in CUSTOMER_KINDS])
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    subject = models.CharField(_("subject"), max_length=300)
    text_body = models.TextField(_("text body"))
    html_body = models.TextField(
        _("HTML body"), blank=True, help_text=_("Empty: the text body, as paragraphs.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(fields=["kind", "language"], name="template_kind_language_uniq")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.language})"


class StuckParcel(models.Model):
    """One stuck episode: a delivery whose status had not moved since `since` (its
    status_changed_at when found). A status change starts a new episode; the unique key keeps a
    rerun (or two sweeps at once) from opening a second case for the same one."""

    delivery = models.ForeignKey(
        "customers.Delivery",
        on_delete=models.CASCADE,
        related_name="stuck_episodes",
        verbose_name=_("delivery"),
    )
    since = models.DateTimeField(_("status unchanged since"))
    status = models.CharField(_("status"), max_length=12)
    complaint = models.ForeignKey(
        "customers.Complaint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )
    found_at = models.DateTimeField(_("found at"), default=timezone.now)

    class Meta:
        verbose_name = _("stuck parcel")
        verbose_name_plural = _("stuck parcels")
        constraints = [
            models.UniqueConstraint(fields=["delivery", "since"], name="stuck_parcel_episode_uniq")
        ]

    def __str__(self):
        return f"{self.delivery_id} @ {self.since:%Y-%m-%d}"


class UsageTip(models.Model):
    """A manager's usage tips for one product category in one language, replacing the shipped
    text (templates/emails/<language>/tips/<category>.txt) for that pair."""

    category = models.CharField(
        _("product category"),
        max_length=100,
        help_text=_(
            'As in the sales\' lines, e.g. "electronica"; "generic" is the text for any other category.'
        ),
    )
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    text = models.TextField(
        _("tips"), help_text=_("Plain text; one tip per line, starting with a dash, reads best.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("usage tips")
        verbose_name_plural = _("usage tips")
        constraints = [
            models.UniqueConstraint(fields=["category", "language"], name="usage_tip_category_language_uniq")
        ]

    def __str__(self):
        return f"{self.category} ({self.language})"

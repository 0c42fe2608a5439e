import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers import timeline
from customers.choices import (
    UNRESOLVED_STATUSES,
    Channel,
    CompensationKind,
    ComplaintSource,
    ComplaintStatus,
    DelayReason,
    DeliveryStatus,
    Feeling,
    Language,
    LifecycleStage,
    Reason,
    Severity,
    TimelineKind,
)
from customers.history import TrackedHistory


class Customer(models.Model):
    external_id = models.CharField(_("external id"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    # The name folded (lower case, no accents), kept by the services: "diaz" finds "Díaz" with
    # one indexed LIKE on every database (a trigram index on PostgreSQL).
    search_name = models.CharField(max_length=200, blank=True, editable=False)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # The phone's digits only, kept by the services: "612345678" finds "+34 612 34 56 78".
    search_phone = models.CharField(max_length=40, blank=True, editable=False)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    # month * 100 + day, kept by the services: today's birthdays are one indexed equality.
    birthday_key = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.ES)
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, help_text=_("Empty: the shop's time zone.")
    )
    marketing_consent = models.BooleanField(_("marketing consent"), default=False)
    consent_at = models.DateTimeField(_("consent given or withdrawn at"), null=True, blank=True)
    consent_source = models.CharField(_("consent source"), max_length=100, blank=True)
    do_not_contact = models.BooleanField(_("do not contact"), default=False)
    lifecycle_stage = models.CharField(
        _("lifecycle stage"), max_length=10, choices=LifecycleStage.choices, default=LifecycleStage.NEW
    )
    # The latest answer a person gave us (a survey), as the lifecycle stage reads it.
    feeling = models.CharField(_("latest feeling"), max_length=10, choices=Feeling.choices, blank=True)
    feeling_at = models.DateTimeField(_("latest feeling at"), null=True, blank=True)
    # The purchase model's verdict (None: no model for this shop or customer yet).
    predicted_at_risk = models.BooleanField(_("predicted at risk"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Who changed what (customers/history.py): what people edit, not the keys the services derive
    # or the verdicts the workers write in bulk.
    history = TrackedHistory(
        excluded_fields=[
            "search_name",
            "search_phone",
            "birthday_key",
            "feeling",
            "feeling_at",
            "predicted_at_risk",
            "created_at",
            "updated_at",
        ],
        verbose_name=_("historical customer"),
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        # Unique constraints and plain indexes rather than unique=True / db_index=True: on
        # PostgreSQL those add a second "_like" index per text column, which the import pays for
        # on every row and no query here uses.
        constraints = [models.UniqueConstraint(fields=["external_id"], name="customer_external_id_uniq")]
        indexes = [
            models.Index(fields=["email"], name="customer_email_idx"),
            models.Index(fields=["birthday_key"], name="customer_birthday_idx"),
            models.Index(fields=["lifecycle_stage"], name="customer_stage_idx"),
            models.Index(fields=["name"], name="customer_name_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def first_name(self) -> str:
        return self.name.split(" ", 1)[0]

    @staticmethod
    def birthday_key_for(birth_date: dt.date | None) -> int | None:
        return birth_date.month * 100 + birth_date.day if birth_date else None


class Sale(models.Model):
    external_id = models.CharField(_("order id"), max_length=100)
    # No index of its own: sale_customer_ordered_idx starts with it.
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="sales", verbose_name=_("customer"), db_index=False
    )
    ordered_at = models.DateTimeField(_("ordered at"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2, default=Decimal(0))
    # A campaign's offer code the customer used: the sale is attributed to that campaign.
    offer_code = models.CharField(_("offer code"), max_length=40, null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("sale")
        verbose_name_plural = _("sales")
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="sale_external_id_uniq"),
            models.CheckConstraint(condition=Q(total__gte=0), name="sale_total_not_negative"),
        ]
        indexes = [
            models.Index(fields=["ordered_at"], name="sale_ordered_idx"),
            models.Index(fields=["customer", "ordered_at"], name="sale_customer_ordered_idx"),
            # Campaign attribution reads sales by offer code; most sales carry none.
            models.Index(
                fields=["offer_code"], name="sale_offer_code_idx", condition=Q(offer_code__isnull=False)
            ),
        ]

    def __str__(self):
        return self.external_id


class SaleLine(models.Model):
    sale = models.ForeignKey(Sale, on_delete=models.CASCADE, related_name="lines")
    sku = models.CharField(_("SKU"), max_length=100, blank=True)
    name = models.CharField(_("item"), max_length=300)
    category = models.CharField(_("category"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("sale line")
        verbose_name_plural = _("sale lines")
        indexes = [models.Index(fields=["category"], name="line_category_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="line_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.quantity} x {self.name}"

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price


CLOSED_STATUSES = (DeliveryStatus.DELIVERED, DeliveryStatus.RETURNED, DeliveryStatus.FAILED)
# A delivery still on its way: the SQL twin of Delivery.is_open.
OPEN_DELIVERY = Q(delivered_at__isnull=True) & ~Q(status__in=CLOSED_STATUSES)


class DeliveryQuerySet(models.QuerySet):
    def open(self):
        return self.filter(OPEN_DELIVERY)

    def late(self, today: dt.date):
        """Open deliveries that are late today: the SQL twin of Delivery.is_late_on()."""
        return self.open().filter(Q(estimated_date__gt=F("promised_date")) | Q(promised_date__lt=today))


class Delivery(models.Model):
    sale = models.OneToOneField(Sale, on_delete=models.CASCADE, related_name="delivery")
    # A copy of the sale's time, so "delivered not before ordered" is a database check.
    ordered_at = models.DateTimeField(editable=False)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    promised_date = models.DateField(_("promised date"), null=True, blank=True)
    estimated_date = models.DateField(_("estimated date"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    delay_reason = models.CharField(_("delay reason"), max_length=20, blank=True, choices=DelayReason.choices)
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.CheckConstraint(
                condition=Q(delivered_at__isnull=True) | Q(delivered_at__gte=F("ordered_at")),
                name="delivery_not_before_order",
            ),
        ]
        indexes = [
            # The late-delivery sweep reads only open deliveries, by promised date.
            models.Index(
                fields=["promised_date"],
                name="delivery_open_promised_idx",
                condition=Q(delivered_at__isnull=True),
            ),
            models.Index(fields=["status", "status_changed_at"], name="delivery_status_idx"),
            models.Index(fields=["delivered_at"], name="delivery_delivered_idx"),
        ]

    def __str__(self):
        return f"{self.sale} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.delivered_at is None and self.status not in CLOSED_STATUSES

    def is_late_on(self, today: dt.date) -> bool:
        """Late: the estimate passes the promise, or the promised day went by undelivered."""
        if not self.is_open or self.promised_date is None:
            return False
        if self.estimated_date and self.estimated_date > self.promised_date:
            return True
        return self.promised_date < today

    @property
    def expected_date(self) -> dt.date | None:
        return self.estimated_date or self.promised_date


class ComplaintQuerySet(models.QuerySet):
    def unresolved(self):
        return self.filter(status__in=UNRESOLVED_STATUSES)


class Complaint(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("customer")
    )
    sale = models.ForeignKey(
        Sale,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("sale"),
    )
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    source = models.CharField(
        _("source"), max_length=20, choices=ComplaintSource.choices, default=ComplaintSource.STAFF
    )
    description = models.TextField(_("description"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("assignee"),
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    sla_due_at = models.DateTimeField(_("SLA due at"))
    # The SLA clocks (customers/sla.py), stored by the services whenever a fact they read moves:
    # None while a clock is stopped or paused. next_due_at is the earliest running one, the
    # queue's order; next_due_soon_at when that clock turns "due soon".
    first_response_due_at = models.DateTimeField(_("first response due at"), null=True, blank=True)
    next_response_due_at = models.DateTimeField(_("next response due at"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due at"), null=True, blank=True)
    next_due_at = models.DateTimeField(_("next due at"), null=True, blank=True)
    next_due_soon_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_due_clock = models.CharField(max_length=20, blank=True, editable=False)
    # A resolution target of its own (business hours), instead of the severity's.
    sla_target_hours = models.DecimalField(
        _("own resolution target (business hours)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    # The oldest customer message nobody has answered yet (the next-response clock's start).
    awaiting_reply_since = models.DateTimeField(_("customer waiting since"), null=True, blank=True)
    compensation_kind = models.CharField(
        _("compensation"), max_length=20, blank=True, choices=CompensationKind.choices
    )
    compensation_amount = models.DecimalField(
        _("compensation amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    resolution_note = models.TextField(_("resolution note"), blank=True)

    objects = ComplaintQuerySet.as_manager()
    # Who changed what (customers/history.py), without the SLA clocks the services recompute.
    history = TrackedHistory(
        excluded_fields=[
            "first_response_due_at",
            "next_response_due_at",
            "resolution_due_at",
            "next_due_at",
            "next_due_soon_at",
            "next_due_clock",
            "sla_due_at",
            "awaiting_reply_since",
        ],
        verbose_name=_("historical complaint"),
    )

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        constraints = [
            models.CheckConstraint(
                condition=Q(compensation_amount__isnull=True) | Q(compensation_amount__gte=0),
                name="compensation_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("opened_at")),
                name="complaint_resolved_after_opened",
            ),
        ]
        indexes = [
            models.Index(
                fields=["sla_due_at"],
                name="complaint_open_sla_idx",
                condition=Q(status__in=UNRESOLVED_STATUSES),
            ),
            models.Index(
                fields=["next_due_at", "id"],
                name="complaint_open_next_due_idx",
                condition=Q(status__in=UNRESOLVED_STATUSES),
            ),
            models.Index(fields=["customer", "status"], name="complaint_customer_status_idx"),
            models.Index(fields=["opened_at"], name="complaint_opened_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_reason_display()}"

    @property
    def is_unresolved(self) -> bool:
        return self.status in UNRESOLVED_STATUSES

    def sla_state_at(self, now: dt.datetime) -> str:
        """ok / due_soon / breached / paused for an open case, met / missed once resolved."""
        if not self.is_unresolved:
            return "missed" if self.resolved_at and self.resolved_at > self.sla_due_at else "met"
        if self.next_due_at is None:
            return "paused"
        if now >= self.next_due_at:
            return "breached"
        if self.next_due_soon_at and now >= self.next_due_soon_at:
            return "due_soon"
        return "ok"

    @property
    def sla_state(self) -> str:
        return self.sla_state_at(timezone.now())


class ComplaintStatusChange(models.Model):
    """Each status a case took and when: the SLA pauses are derived from it, never counted."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(_("status"), max_length=20, choices=ComplaintStatus.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("case status change")
        verbose_name_plural = _("case status changes")
        ordering = ["at", "id"]

    def __str__(self):
        return f"#{self.complaint_id} {self.status} {self.at:%Y-%m-%d %H:%M}"


class SlaClock(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


class SlaLedgerEntry(models.Model):
    """One SLA target of a case, written when its clock stops (met or missed) or breaches."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="sla_ledger")
    clock = models.CharField(_("clock"), max_length=20, choices=SlaClock.choices)
    started_at = models.DateTimeField(_("started at"))
    target_hours = models.DecimalField(_("target (business hours)"), max_digits=6, decimal_places=2)
    due_at = models.DateTimeField(_("due at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    met = models.BooleanField(_("met"), null=True)
    breached_at = models.DateTimeField(_("breach escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SLA ledger entry")
        verbose_name_plural = _("SLA ledger entries")
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "clock", "started_at"], name="sla_ledger_once_per_clock_run"
            )
        ]

    def __str__(self):
        return f"#{self.complaint_id} {self.clock}"

    @property
    def margin(self) -> dt.timedelta | None:
        """How early (positive) or late (negative) the target was met."""
        return self.due_at - self.done_at if self.done_at else None


class BusinessCalendar(models.Model):
    """The shop's opening hours, holidays and SLA targets: one row (pk=1), edited by managers."""

    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, help_text=_("Empty: the shop's time zone setting.")
    )
    country = models.CharField(_("country (for public holidays)"), max_length=2, default="ES", blank=True)
    subdivision = models.CharField(
        _("region (for regional holidays)"),
        max_length=10,
        blank=True,
        help_text=_("For example MD for Madrid."),
    )
    # {"0": [["09:00", "18:00"]], ...}: weekday (0 = Monday) to local opening intervals.
    opening_hours = models.JSONField(_("opening hours"), default=dict, blank=True)
    # {"critical": [1, 2, 4], ...}: business hours to first response, next response, resolution.
    targets = models.JSONField(_("SLA targets (business hours)"), default=dict, blank=True)
    due_soon_percent = models.PositiveSmallIntegerField(
        _("due soon at (% of the target)"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendar")

    def __str__(self):
        return str(_("Business calendar"))


class ClosedDay(models.Model):
    """A day the shop is closed beyond the public holidays (a local feast, inventory)."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}".strip()


class TimelineEntry(models.Model):
    # No index of its own: timeline_customer_at_idx starts with it.
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="timeline", db_index=False)
    at = models.DateTimeField(_("when"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=20, choices=TimelineKind.choices)
    # What happened, a key of customers/timeline.py; with `data` it makes the sentence in the
    # reader's language. Entries from before events have only their summary.
    event = models.CharField(_("event"), max_length=40, blank=True, default="")
    summary = models.CharField(_("summary"), max_length=300, blank=True, default="")
    body = models.TextField(_("details"), blank=True)
    # Never looked up by author: no index to maintain on every insert.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    sale = models.ForeignKey(Sale, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, null=True, blank=True, related_name="timeline"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at"], name="timeline_customer_at_idx")]

    def __str__(self):
        return self.text

    @property
    def text(self) -> str:
        """The sentence in the active language (see customers/timeline.py)."""
        return timeline.entry_text(event=self.event, data=self.data, summary=self.summary)


class ImportJob(models.Model):
    """One upload of a sales CSV on the import page, checked and then imported by a worker.

    The web request only stores the file and this row; the worker checks it (a dry run: the
    preview), and once a manager confirms, imports it in one transaction. The row is what the
    progress page polls, so it survives a reload, and it keeps the end state: the counts, or the
    reason and the first errors. The file is removed once the job is done or failed.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        CHECKED = "checked", _("checked, waiting for confirmation")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    class Stage(models.TextChoices):
        CHECK = "check", _("check")
        IMPORT = "import", _("import")

    token = models.CharField(max_length=32, unique=True)  # the stored file (importing/uploads.py)
    file_name = models.CharField(max_length=255)
    file_size = models.BigIntegerField(default=0)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.CHECK)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(max_length=10, blank=True)  # of the messages the worker writes
    created_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(default=timezone.now)  # the check's or, once confirmed, the import's
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Progress of the current stage, written by the worker through a connection of its own.
    progressed_at = models.DateTimeField(null=True, blank=True)
    rows_processed = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)  # known once checked
    bytes_read = models.BigIntegerField(default=0)
    format = models.CharField(max_length=20, blank=True)
    counts = models.JSONField(default=dict, blank=True)  # ImportReport.counts()
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # the first errors: [line, field, message]
    reason = models.TextField(blank=True)  # why it failed, for the user

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="importjob_by_user")]

    def __str__(self):
        return f"{self.file_name} ({self.stage}, {self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.CHECKED, self.State.DONE, self.State.FAILED)

    @property
    def waiting_long(self) -> bool:
        """Queued for more than a minute: no worker has taken it (is one running?)."""
        return self.state == self.State.QUEUED and timezone.now() - self.queued_at > dt.timedelta(minutes=1)

    @property
    def percent(self) -> int:
        if not self.file_size:
            return 0
        return min(100, round(100 * self.bytes_read / self.file_size))

"""Campaigns: a manager's audience, message, optional offer and schedule, with a holdout group
that gets nothing so that what the campaign did can be told from what would have happened."""

import hashlib
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.choices import Language, LifecycleStage


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    RUNNING = "running", _("Running")
    STOPPED = "stopped", _("Stopped")
    FINISHED = "finished", _("Finished")


class Schedule(models.TextChoices):
    ONCE = "once", _("Once, at launch")
    WINBACK = "winback", _("Standing: win-back N days after the last purchase")
    NTH_PURCHASE = "nth_purchase", _("Standing: a thank-you gift after the Nth purchase")
    BIRTHDAY = "birthday", _("Standing: on the customer's birthday, with the offer")


STANDING = (Schedule.WINBACK, Schedule.NTH_PURCHASE, Schedule.BIRTHDAY)


def new_salt() -> str:
    return secrets.token_hex(16)


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    schedule = models.CharField(_("schedule"), max_length=20, choices=Schedule.choices, default=Schedule.ONCE)
    # --- Audience: an empty rule does not filter.
    last_purchase_days = models.PositiveIntegerField(
        _("last purchase more than (days) ago"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(3650)],
        help_text=_("The win-back schedule's N days."),
    )
    min_purchases = models.PositiveIntegerField(
        _("at least (purchases)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(10000)],
        help_text=_("The gift schedule's Nth purchase."),
    )
    max_purchases = models.PositiveIntegerField(
        _("at most (purchases)"), null=True, blank=True, validators=[MaxValueValidator(10000)]
    )
    min_spent = models.DecimalField(
        _("spent at least"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    max_spent = models.DecimalField(
        _("spent at most"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    category = models.CharField(_("bought from product category"), max_length=100, blank=True)
    lifecycle_stage = models.CharField(
        _("lifecycle stage"), max_length=10, blank=True, choices=LifecycleStage.choices
    )
    at_risk_only = models.BooleanField(
        _("only customers at risk"),
        default=False,
        help_text=_("Predicted at risk by the purchase model, or in the at-risk stage."),
    )
    language = models.CharField(_("language"), max_length=5, blank=True, choices=Language.choices)
    consent_only = models.BooleanField(
        _("only customers with marketing consent"),
        default=True,
        help_text=_("Offers need consent: without it the mail is suppressed at send time."),
    )
    # --- Message, per language (Django template text, like the follow-up templates).
    subject_es = models.CharField(_("subject (Spanish)"), max_length=300)
    text_es = models.TextField(_("text (Spanish)"))
    subject_en = models.CharField(_("subject (English)"), max_length=300)
    text_en = models.TextField(_("text (English)"))
    # --- Offer (optional).
    offer_code = models.CharField(
        _("offer code"),
        max_length=40,
        blank=True,
        help_text=_("A sale that carries this code is attributed to the campaign."),
    )
    offer_discount = models.CharField(
        _("discount"), max_length=100, blank=True, help_text=_('For example "15%" or "10 EUR".')
    )
    offer_gift = models.CharField(_("gift"), max_length=200, blank=True)
    offer_expires_on = models.DateField(_("offer expires on"), null=True, blank=True)
    # --- Holdout and sending.
    holdout_percent = models.PositiveSmallIntegerField(
        _("holdout (%)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("This share of the audience, drawn at random, gets nothing: the comparison."),
    )
    window_hours = models.PositiveIntegerField(
        _("spread the sending over (hours)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
        help_text=_("From 1 to 336. The dispatcher is not flooded."),
    )
    # Fixed at creation: the draw of every customer into sent or holdout depends on it alone.
    salt = models.CharField(max_length=32, default=new_salt, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(holdout_percent__gte=1, holdout_percent__lte=50),
                name="campaign_holdout_in_range",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_standing(self) -> bool:
        return self.schedule in STANDING

    @property
    def has_offer(self) -> bool:
        return bool(self.offer_code or self.offer_discount or self.offer_gift)

    def in_holdout(self, customer_id: int) -> bool:
        """The draw: a hash of the campaign's salt and the customer, not a random call, so a
        re-plan (or a standing rule's next sweep) puts everyone in the group they had."""
        digest = hashlib.sha256(f"{self.salt}:{customer_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big") * 100 < self.holdout_percent * 2**64


class Group(models.TextChoices):
    SENT = "sent", _("Sent")
    HOLDOUT = "holdout", _("Holdout")


class CampaignMember(models.Model):
    """A customer drawn into a campaign, recorded before the first send."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="campaign_memberships"
    )
    group = models.CharField(_("group"), max_length=10, choices=Group.choices)
    assigned_at = models.DateTimeField(_("assigned at"))
    message = models.OneToOneField(
        "followups.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="campaign_member"
    )

    class Meta:
        verbose_name = _("campaign member")
        verbose_name_plural = _("campaign members")
        constraints = [models.UniqueConstraint(fields=["campaign", "customer"], name="campaign_member_uniq")]
        indexes = [models.Index(fields=["campaign", "group"], name="campaign_member_group_idx")]

    def __str__(self):
        return f"{self.campaign_id}/{self.customer_id} ({self.group})"

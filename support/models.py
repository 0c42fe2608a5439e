from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.choices import CompensationKind, ComplaintStatus, Severity


class Macro(models.Model):
    """A canned reply a manager wrote: text with placeholders, and what else it does."""

    class Then(models.TextChoices):
        STAY = "stay", _("Stay on the case")
        NEXT = "next", _("Go to the next case")

    name = models.CharField(_("name"), max_length=100, unique=True)
    body = models.TextField(
        _("reply"), help_text=_("Placeholders: {first_name}, {order}, {new_date}, {compensation}.")
    )
    set_status = models.CharField(
        _("then set status"),
        max_length=20,
        blank=True,
        choices=[
            (s, label)
            for s, label in ComplaintStatus.choices
            if s in ("in_progress", "waiting_customer", "resolved")
        ],
    )
    set_severity = models.CharField(
        _("then set severity"), max_length=10, blank=True, choices=Severity.choices
    )
    compensation_kind = models.CharField(
        _("compensation"), max_length=20, blank=True, choices=CompensationKind.choices
    )
    compensation_amount = models.DecimalField(
        _("compensation amount"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    then = models.CharField(_("afterwards"), max_length=10, choices=Then.choices, default=Then.STAY)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(compensation_amount__isnull=True) | Q(compensation_amount__gte=Decimal(0)),
                name="macro_compensation_not_negative",
            )
        ]

    def __str__(self):
        return self.name


class Notification(models.Model):
    """Something a staff member must see in the app (an SLA breach on a case, say)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="support_notifications"
    )
    complaint = models.ForeignKey("customers.Complaint", on_delete=models.CASCADE, related_name="+")
    text = models.CharField(_("text"), max_length=300)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["user", "created_at"],
                name="notification_unread_idx",
                condition=Q(read_at__isnull=True),
            )
        ]

    def __str__(self):
        return self.text

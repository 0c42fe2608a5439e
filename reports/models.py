from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportAccess(models.Model):
    """No table: only the permission to read retention reports, held by the Manager group."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_reports", _("Can read retention reports"))]

    def __str__(self):
        return "report access"


class PredictionSettings(models.Model):
    """The managers' one knob on the purchase model: below which P(alive) a valuable customer is
    at risk. One row, created with the default on first read."""

    at_risk_threshold = models.FloatField(
        _("at-risk threshold"),
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_(
            "A valuable customer whose probability of still being a customer is below this "
            "is at risk (between 0 and 1)."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("prediction settings")
        verbose_name_plural = _("prediction settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(at_risk_threshold__gte=0) & Q(at_risk_threshold__lte=1),
                name="prediction_threshold_0_1",
            )
        ]

    def __str__(self):
        return f"at risk below {self.at_risk_threshold}"

    @classmethod
    def current(cls) -> "PredictionSettings":
        return cls.objects.order_by("pk").first() or cls.objects.create()


class PurchaseModelFit(models.Model):
    """One nightly fit of the purchase model as of a date: its parameters, what it was fitted
    on, and how well a fit that left out the last weeks predicted them (the holdout check)."""

    class Status(models.TextChoices):
        OK = "ok", _("Fitted")
        INSUFFICIENT = "insufficient", _("Too little history")
        FAILED = "failed", _("Fit failed")

    as_of = models.DateField(_("as of"))
    fitted_at = models.DateTimeField(_("fitted at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    message = models.TextField(_("message"), blank=True)
    buyers = models.PositiveIntegerField(_("buyers"), default=0)
    history_weeks = models.FloatField(_("weeks of history"), default=0)
    # BG/NBD: purchase rate ~ Gamma(r, alpha), drop-out probability ~ Beta(a, b); weeks.
    r = models.FloatField(null=True, blank=True)
    alpha = models.FloatField(null=True, blank=True)
    a = models.FloatField(null=True, blank=True)
    b = models.FloatField(null=True, blank=True)
    log_likelihood = models.FloatField(null=True, blank=True)
    fit_sample = models.PositiveIntegerField(_("customers in the fit"), default=0)
    # Gamma-Gamma: value per purchase; null when the shop's amounts cannot carry it.
    p = models.FloatField(null=True, blank=True)
    q = models.FloatField(null=True, blank=True)
    gamma = models.FloatField(null=True, blank=True)
    threshold = models.FloatField(_("at-risk threshold"), null=True, blank=True)
    at_risk = models.PositiveIntegerField(_("customers at risk"), default=0)
    # Rollups for the reports page: twenty bins of P(alive), and the holdout check
    # {"weeks", "customers", "predicted", "actual", "by_frequency": [{"x", "customers",
    # "predicted", "actual"}, ...]} or {"message": why there is none}.
    p_alive_histogram = models.JSONField(default=list, blank=True)
    holdout = models.JSONField(default=dict, blank=True)
    seconds = models.FloatField(_("seconds"), default=0)

    class Meta:
        verbose_name = _("purchase model fit")
        verbose_name_plural = _("purchase model fits")
        constraints = [models.UniqueConstraint(fields=["as_of"], name="purchase_fit_as_of_uniq")]

    def __str__(self):
        return f"{self.as_of} {self.status}"

    @property
    def at_risk_share(self) -> float | None:
        return self.at_risk / self.buyers if self.status == self.Status.OK and self.buyers else None


class CustomerPrediction(models.Model):
    """A customer's latest score. The evidence (x, t_x, T) is kept so the reason can be said in
    the reader's language; the table is rewritten whole by each successful fit."""

    # No database foreign key (db_constraint=False): the table is rebuilt from the sales every
    # night, and checking a million rows against customers at commit took 4 of the nightly
    # sweep's 60 seconds. Django still deletes a customer's score with them (CASCADE is the
    # ORM's), and a row orphaned by raw SQL is gone at the next refit.
    customer = models.OneToOneField(
        "customers.Customer",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="prediction",
        db_constraint=False,
    )
    as_of = models.DateField(_("as of"))
    fitted_at = models.DateTimeField(_("fitted at"))
    repeat_purchases = models.PositiveIntegerField(_("repeat purchases"))
    weeks_to_last = models.FloatField(_("weeks from first to last purchase"))
    weeks_since_first = models.FloatField(_("weeks since the first purchase"))
    spend = models.DecimalField(_("spend"), max_digits=14, decimal_places=2)
    p_alive = models.FloatField(_("P(alive)"))
    expected_13w = models.FloatField(_("expected purchases, next 13 weeks"))
    expected_52w = models.FloatField(_("expected purchases, next 52 weeks"))
    value = models.DecimalField(
        _("expected value, next 52 weeks"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    valuable = models.BooleanField(
        _("valuable"), default=False, help_text=_("In the top 40% by spend or by purchases.")
    )
    at_risk = models.BooleanField(_("at risk"), default=False)

    class Meta:
        verbose_name = _("customer prediction")
        verbose_name_plural = _("customer predictions")
        # The at-risk list's default order, most valuable first. (A fit without a value model
        # leaves every value null, never some: no NULLS LAST needed, which SQLite cannot index.)
        indexes = [
            models.Index(fields=["-value"], name="prediction_at_risk_value_idx", condition=Q(at_risk=True))
        ]

    def __str__(self):
        return f"{self.customer_id}: {self.p_alive:.2f}"

    @property
    def weeks_silent(self) -> float:
        return self.weeks_since_first - self.weeks_to_last

    @property
    def reason(self) -> str:
        from reports.reasons import reason_text

        return reason_text(self.repeat_purchases, self.weeks_to_last, self.weeks_since_first)


class PredictionHistory(models.Model):
    """One P(alive) per customer per week (the week's first fit), the last few weeks: the trend."""

    pk = models.CompositePrimaryKey("customer_id", "week")
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,  # see CustomerPrediction
        related_name="prediction_history",
        db_index=False,
        db_constraint=False,
    )
    week = models.DateField(_("week"))
    p_alive = models.FloatField(_("P(alive)"))

    class Meta:
        verbose_name = _("prediction history")
        verbose_name_plural = _("prediction history")
        indexes = [models.Index(fields=["week"], name="prediction_history_week_idx")]

    def __str__(self):
        return f"{self.customer_id} {self.week}: {self.p_alive:.2f}"


from reports.dashboard_models import DigestPreference  # noqa: E402,F401  (the dashboard's rows)
from reports.rollup_models import (  # noqa: E402,F401  (the dashboard's rollups)
    AnswerDay,
    CohortDay,
    CustomerRfm,
    DeliveryDay,
    InvitationDay,
    MessageDay,
    RollupState,
)

"""The dashboard's rollups: the live aggregates that are too slow at a million sales, summed ahead.

Every row is derived from the shop's own tables by reports.rollups.rebuild() (beat, and
`manage.py rebuild_rollups`); nothing else writes them. `channel` is the sale's channel ("" for a
row with no sale), `category` a product category of the sale ("" for the row that counts every
sale once, whatever its categories). Day facts hold counts only, so any period is a SUM over days.
"""

from django.db import models


class RollupState(models.Model):
    """One row: when the rollups were last rebuilt, so the pages can say "as of"."""

    built_at = models.DateTimeField()
    seconds = models.FloatField(default=0)
    # The latest sale then: RFM from the rollup is exact for periods ending after it.
    last_sale_at = models.DateTimeField(null=True)
    # Customers per lifecycle stage then (stages have no history: the overview shows today's).
    stages = models.JSONField(default=dict)
    # The days RfmAsOf holds RFM as of (the presets' previous periods), each with the
    # fingerprint of the sales before it when computed: {ISO date: fingerprint}.
    rfm_as_of = models.JSONField(default=dict)

    def __str__(self):
        return f"rollups as of {self.built_at:%Y-%m-%d %H:%M}"


class _Fact(models.Model):
    class Meta:
        abstract = True

    def __str__(self):
        return f"{type(self).__name__} {self.pk}"


class CohortDay(_Fact):
    """Customers of first-purchase month `cohort` whose first purchase in `month` was on `day`:
    a cohort cell is a SUM over its month's days, cut at the period's end."""

    channel = models.CharField(max_length=10)
    category = models.CharField(max_length=100)
    cohort = models.DateField()
    month = models.DateField()
    day = models.DateField()
    buyers = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["channel", "category", "cohort"], name="rollup_cohort_idx")]


class CustomerRfm(_Fact):
    """A customer's recency, frequency and monetary value over all their (matching) sales, and
    the 1-5 scores among the customers of the same channel and category."""

    customer_id = models.BigIntegerField()
    channel = models.CharField(max_length=10)
    category = models.CharField(max_length=100)
    last_at = models.DateTimeField()
    n = models.IntegerField()
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    r = models.SmallIntegerField()
    f = models.SmallIntegerField()
    m = models.SmallIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["channel", "category", "r", "f", "m"], include=["amount"], name="rollup_rfm_idx"
            )
        ]


class RfmAsOf(_Fact):
    """RFM as of the start of day `as_of` (over the sales before it), summed per score triple:
    the "previous period" of the preset periods, whose RFM CustomerRfm (today's) cannot give."""

    as_of = models.DateField()
    channel = models.CharField(max_length=10)
    category = models.CharField(max_length=100)
    r = models.SmallIntegerField()
    f = models.SmallIntegerField()
    m = models.SmallIntegerField()
    customers = models.IntegerField()
    amount = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        indexes = [models.Index(fields=["as_of", "channel", "category"], name="rollup_rfm_as_of_idx")]


class SaleSpan(_Fact):
    """A sale (once per filter it matches) with the days of the customer's previous and next
    matching sales: a customer has one or more sales in [s, e) once for each sale there whose
    previous is before s, and two or more when that sale's next is before e. `week` and `month`
    are the trend buckets the day falls in, with their ends."""

    channel = models.CharField(max_length=10)
    category = models.CharField(max_length=100)
    day = models.DateField()
    prev_day = models.DateField(null=True)
    next_day = models.DateField(null=True)
    week = models.DateField()
    week_end = models.DateField()
    month = models.DateField()
    month_end = models.DateField()

    class Meta:
        indexes = [
            models.Index(
                fields=["channel", "category", "day"],
                include=["prev_day", "next_day", "week", "week_end", "month", "month_end"],
                name="rollup_sale_span_idx",
            )
        ]


class DeliveryDay(_Fact):
    """Deliveries promised on `day` per carrier, delay reason and outcome, with the survey answers
    about those orders and how many of their customers bought again afterwards."""

    day = models.DateField()
    channel = models.CharField(max_length=10)
    category = models.CharField(max_length=100)
    carrier = models.CharField(max_length=100)
    delay_reason = models.CharField(max_length=20)
    delivered = models.BooleanField()
    on_time = models.BooleanField()
    notified = models.BooleanField()
    n = models.IntegerField(default=0)
    repeat = models.IntegerField(default=0)
    nps_total = models.IntegerField(default=0)
    nps_promoters = models.IntegerField(default=0)
    nps_detractors = models.IntegerField(default=0)
    csat_total = models.IntegerField(default=0)
    csat_satisfied = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["category", "day"], name="rollup_delivery_idx")]


class MessageDay(_Fact):
    """Messages created on `day` per kind, state and reason, with how many reached each step."""

    day = models.DateField()
    channel = models.CharField(max_length=10)
    category = models.CharField(max_length=100)
    kind = models.CharField(max_length=30)
    state = models.CharField(max_length=20)
    reason = models.CharField(max_length=100)
    n = models.IntegerField(default=0)
    sent = models.IntegerField(default=0)
    delivered = models.IntegerField(default=0)
    opened = models.IntegerField(default=0)
    clicked = models.IntegerField(default=0)
    bounced = models.IntegerField(default=0)
    unsubscribed = models.IntegerField(default=0)
    deferred = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["category", "day"], name="rollup_message_idx")]


class AnswerDay(_Fact):
    """A person's answers first given on `day`, per survey type and score."""

    day = models.DateField()
    channel = models.CharField(max_length=10)
    category = models.CharField(max_length=100)
    survey_type = models.CharField(max_length=10)
    score = models.SmallIntegerField(null=True)
    ces_score = models.SmallIntegerField(null=True)
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["category", "day"], name="rollup_answer_idx")]


class InvitationDay(_Fact):
    """Invitations sent on `day` whose mail did not bounce, and how many a person answered."""

    day = models.DateField()
    channel = models.CharField(max_length=10)
    category = models.CharField(max_length=100)
    delivered = models.IntegerField()
    answered = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["category", "day"], name="rollup_invitation_idx")]


class RecoveryDay(_Fact):
    """Detractors who answered on `day` and whose case was resolved: how many answered again
    after the resolution, how many of those were no longer unhappy, how many bought again."""

    day = models.DateField()
    channel = models.CharField(max_length=10)
    category = models.CharField(max_length=100)
    resolved = models.IntegerField()
    answered = models.IntegerField()
    recovered = models.IntegerField()
    repeat = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["category", "day"], name="rollup_recovery_idx")]

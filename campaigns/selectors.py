"""Reads: who a campaign's audience is now, who the rules would hold back, and the results.

Every read is set-based: the audience is one queryset over indexed columns, its size and each
held-back count one COUNT query, whatever the number of customers.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.mail import late_order_exists
from campaigns.models import Campaign, Schedule
from customers.choices import LifecycleStage
from customers.models import Complaint, Customer, Sale, SaleLine
from followups.models import Category, FollowupRules, Message, State, Suppression

SAMPLE_SIZE = 20


def audience(campaign: Campaign, *, now: dt.datetime | None = None) -> QuerySet[Customer]:
    """The customers the campaign's rules select now (holdout included: the draw comes later)."""
    now = now or timezone.now()
    qs = Customer.objects.all()
    if campaign.last_purchase_days is not None:
        cutoff = now - dt.timedelta(days=campaign.last_purchase_days)
        bought = Sale.objects.filter(customer_id=OuterRef("pk"))
        qs = qs.filter(Exists(bought)).exclude(Exists(bought.filter(ordered_at__gte=cutoff)))
    if campaign.min_purchases or campaign.max_purchases is not None:
        qs = _with_totals(qs)
        if campaign.min_purchases:
            qs = qs.filter(n_purchases__gte=campaign.min_purchases)
        if campaign.max_purchases is not None:
            qs = qs.filter(n_purchases__lte=campaign.max_purchases)
    if campaign.min_spent is not None or campaign.max_spent is not None:
        qs = _with_totals(qs)
        if campaign.min_spent is not None:
            qs = qs.filter(spent__gte=campaign.min_spent)
        if campaign.max_spent is not None:
            qs = qs.filter(Q(spent__lte=campaign.max_spent) | Q(spent__isnull=True))
    if campaign.category:
        qs = qs.filter(Exists(SaleLine.objects.filter(sale__customer_id=OuterRef("pk"),
                                                      category=campaign.category)))
    if campaign.lifecycle_stage:
        qs = qs.filter(lifecycle_stage=campaign.lifecycle_stage)
    if campaign.at_risk_only:
        qs = qs.filter(Q(predicted_at_risk=True) | Q(lifecycle_stage=LifecycleStage.AT_RISK))
    if campaign.language:
        qs = qs.filter(language=campaign.language)
    if campaign.consent_only:
        qs = qs.filter(marketing_consent=True)
    if campaign.schedule == Schedule.BIRTHDAY:
        qs = qs.filter(birthday_key=Customer.birthday_key_for(timezone.localdate(now)))
    return qs


def _with_totals(qs: QuerySet[Customer]) -> QuerySet[Customer]:
    if "n_purchases" in qs.query.annotations:
        return qs
    # Subqueries, not a JOIN + GROUP BY: they combine with the other rules without multiplying
    # rows, and each reads the customer's sales through sale_customer_ordered_idx.
    sales = Sale.objects.filter(customer_id=OuterRef("pk")).order_by().values("customer_id")
    return qs.annotate(
        n_purchases=_scalar(sales.annotate(n=Count("pk")).values("n"), default=0),
        spent=_scalar(sales.annotate(s=Sum("total")).values("s")))


def _scalar(subquery, default=None):
    expression = Subquery(subquery[:1])
    return Coalesce(expression, default) if default is not None else expression


@dataclass(frozen=True)
class Hold:
    code: str
    label: str
    count: int


def held_back(campaign: Campaign, *, now: dt.datetime | None = None) -> list[Hold]:
    """How many of the audience the send-time rules would hold back now, rule by rule (a
    customer can be held by more than one). One COUNT query each."""
    now = now or timezone.now()
    base = audience(campaign, now=now)
    rules = FollowupRules.current()
    unsubscribed = Suppression.objects.filter(email=Lower(OuterRef("email")),
                                              category=Category.PROMOTIONAL)
    counts = [
        ("no_consent", _("No marketing consent or do not contact"),
         base.filter(Q(marketing_consent=False) | Q(do_not_contact=True))),
        ("open_case", _("An open case"),
         base.filter(Exists(Complaint.objects.unresolved().filter(customer_id=OuterRef("pk"))))),
        ("late_order", _("A late order"), base.filter(late_order_exists(timezone.localdate(now)))),
        ("unsubscribed", _("Unsubscribed from offers"), base.filter(Exists(unsubscribed))),
    ]
    if rules.frequency_cap:
        since = now - dt.timedelta(days=rules.frequency_period_days)
        over = (Message.objects.filter(state=State.SENT, sent_at__gt=since)
                .exclude(category=Category.TRANSACTIONAL).order_by().values("customer_id")
                .annotate(n=Count("pk")).filter(n__gte=rules.frequency_cap).values("customer_id"))
        counts.append(("contact_budget", _("Contact budget reached"), base.filter(pk__in=over)))
    return [Hold(code, label, qs.count()) for code, label, qs in counts]


def audience_preview(campaign: Campaign, *, now: dt.datetime | None = None) -> dict:
    """Size now, a sample of who is in it and the held-back counts: 2 + 5 queries."""
    qs = audience(campaign, now=now)
    return {"size": qs.count(),
            "sample": list(qs.order_by("pk").only("pk", "name", "email", "language",
                                                  "lifecycle_stage")[:SAMPLE_SIZE]),
            "held_back": held_back(campaign, now=now)}

"""Reads: who a campaign's audience is now, who the rules would hold back, and the results.

Every read is set-based: the audience is one queryset over indexed columns, its size and each
held-back count one COUNT query, whatever the number of customers.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.mail import late_order_exists
from campaigns.models import Campaign, CampaignMember, Group, Schedule
from campaigns.stats import Uplift, uplift
from customers.choices import LifecycleStage
from customers.models import Complaint, Customer, Sale, SaleLine
from followups.models import (
    Category,
    EventKind,
    FollowupRules,
    Message,
    MessageEvent,
    State,
    Suppression,
)

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
        qs = qs.filter(
            Exists(SaleLine.objects.filter(sale__customer_id=OuterRef("pk"), category=campaign.category))
        )
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
        spent=_scalar(sales.annotate(s=Sum("total")).values("s")),
    )


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
    unsubscribed = Suppression.objects.filter(email=Lower(OuterRef("email")), category=Category.PROMOTIONAL)
    counts = [
        (
            "no_consent",
            _("No marketing consent or do not contact"),
            base.filter(Q(marketing_consent=False) | Q(do_not_contact=True)),
        ),
        (
            "open_case",
            _("An open case"),
            base.filter(Exists(Complaint.objects.unresolved().filter(customer_id=OuterRef("pk")))),
        ),
        ("late_order", _("A late order"), base.filter(late_order_exists(timezone.localdate(now)))),
        ("unsubscribed", _("Unsubscribed from offers"), base.filter(Exists(unsubscribed))),
    ]
    if rules.frequency_cap:
        since = now - dt.timedelta(days=rules.frequency_period_days)
        over = (
            Message.objects.filter(state=State.SENT, sent_at__gt=since)
            .exclude(category=Category.TRANSACTIONAL)
            .order_by()
            .values("customer_id")
            .annotate(n=Count("pk"))
            .filter(n__gte=rules.frequency_cap)
            .values("customer_id")
        )
        counts.append(("contact_budget", _("Contact budget reached"), base.filter(pk__in=over)))
    return [Hold(code, label, qs.count()) for code, label, qs in counts]


def audience_preview(campaign: Campaign, *, now: dt.datetime | None = None) -> dict:
    """Size now, a sample of who is in it and the held-back counts: 2 + 5 queries."""
    qs = audience(campaign, now=now)
    return {
        "size": qs.count(),
        "sample": list(
            qs.order_by("pk").only("pk", "name", "email", "language", "lifecycle_stage")[:SAMPLE_SIZE]
        ),
        "held_back": held_back(campaign, now=now),
    }


@dataclass(frozen=True)
class GroupResult:
    group: str
    members: int
    bought_30: int
    bought_90: int
    revenue_90: Decimal

    @property
    def share_30(self) -> float | None:
        return self.bought_30 / self.members if self.members else None

    @property
    def share_90(self) -> float | None:
        return self.bought_90 / self.members if self.members else None

    @property
    def revenue_per_customer(self) -> Decimal | None:
        return (self.revenue_90 / self.members).quantize(Decimal("0.01")) if self.members else None


@dataclass(frozen=True)
class Results:
    sent: GroupResult
    holdout: GroupResult
    uplift_30: Uplift | None
    uplift_90: Uplift | None
    messages: dict[str, int]  # outbox state -> rows
    events: dict[str, int]  # opened / clicked / unsubscribed / complained -> messages
    attributed_sales: int
    attributed_revenue: Decimal
    attributed_customers: int


def _bought_within(days: int) -> Exists:
    start = OuterRef("assigned_at")
    end = ExpressionWrapper(start + dt.timedelta(days=days), output_field=DateTimeField())
    return Exists(
        Sale.objects.filter(customer_id=OuterRef("customer_id"), ordered_at__gt=start, ordered_at__lte=end)
    )


def campaign_results(campaign: Campaign) -> Results:
    """Sent against holdout, each from its members' assignment time: who bought again within
    30 and 90 days, revenue per member over 90 days, the uplift (share sent minus share
    holdout) with its 95% interval; then the mail's outcomes and the offer code's sales.
    Four queries whatever the campaign's size."""
    start = OuterRef("assigned_at")
    end = ExpressionWrapper(start + dt.timedelta(days=90), output_field=DateTimeField())
    revenue = (
        Sale.objects.filter(customer_id=OuterRef("customer_id"), ordered_at__gt=start, ordered_at__lte=end)
        .order_by()
        .values("customer_id")
        .annotate(s=Sum("total"))
        .values("s")[:1]
    )
    rows = (
        CampaignMember.objects.filter(campaign=campaign)
        .annotate(b30=_bought_within(30), b90=_bought_within(90), rev=Coalesce(Subquery(revenue), Decimal(0)))
        .order_by()
        .values("group")
        .annotate(
            n=Count("pk"),
            n30=Count("pk", filter=Q(b30=True)),
            n90=Count("pk", filter=Q(b90=True)),
            revenue=Sum("rev"),
        )
    )
    by_group = {
        row["group"]: GroupResult(
            row["group"], row["n"], row["n30"], row["n90"], Decimal(row["revenue"] or 0)
        )
        for row in rows
    }
    sent = by_group.get(Group.SENT, GroupResult(Group.SENT, 0, 0, 0, Decimal(0)))
    holdout = by_group.get(Group.HOLDOUT, GroupResult(Group.HOLDOUT, 0, 0, 0, Decimal(0)))
    messages = dict(
        Message.objects.filter(campaign_member__campaign=campaign)
        .order_by()
        .values("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    events = dict(
        MessageEvent.objects.filter(message__campaign_member__campaign=campaign, event__in=TRACKED)
        .order_by()
        .values("event")
        .annotate(n=Count("message", distinct=True))
        .values_list("event", "n")
    )
    attributed = _attributed(campaign)
    return Results(
        sent=sent,
        holdout=holdout,
        uplift_30=uplift(
            bought_sent=sent.bought_30,
            n_sent=sent.members,
            bought_holdout=holdout.bought_30,
            n_holdout=holdout.members,
        ),
        uplift_90=uplift(
            bought_sent=sent.bought_90,
            n_sent=sent.members,
            bought_holdout=holdout.bought_90,
            n_holdout=holdout.members,
        ),
        messages=messages,
        events={event: events.get(event, 0) for event in TRACKED},
        attributed_sales=attributed["n"],
        attributed_revenue=attributed["revenue"] or Decimal(0),
        attributed_customers=attributed["customers"],
    )


TRACKED = (EventKind.OPENED, EventKind.CLICKED, EventKind.UNSUBSCRIBED, EventKind.COMPLAINED)


def _attributed(campaign: Campaign) -> dict:
    """Sales that carry the campaign's offer code, placed after its launch."""
    if not campaign.offer_code or campaign.launched_at is None:
        return {"n": 0, "revenue": Decimal(0), "customers": 0}
    return Sale.objects.filter(
        offer_code=campaign.offer_code, ordered_at__gte=campaign.launched_at
    ).aggregate(n=Count("pk"), revenue=Sum("total"), customers=Count("customer", distinct=True))


def results_data(results: Results) -> dict:
    """The results as plain values, for the API (the page reads the same Results)."""

    def group(g: GroupResult) -> dict:
        return {
            "members": g.members,
            "bought_30": g.bought_30,
            "bought_90": g.bought_90,
            "share_30": g.share_30,
            "share_90": g.share_90,
            "revenue_90": g.revenue_90,
            "revenue_per_customer": g.revenue_per_customer,
        }

    def lift(u: Uplift | None) -> dict | None:
        return None if u is None else {"difference": u.difference, "low": u.low, "high": u.high}

    return {
        "sent": group(results.sent),
        "holdout": group(results.holdout),
        "uplift_30": lift(results.uplift_30),
        "uplift_90": lift(results.uplift_90),
        "messages": results.messages,
        "events": results.events,
        "attributed_sales": results.attributed_sales,
        "attributed_revenue": results.attributed_revenue,
        "attributed_customers": results.attributed_customers,
    }

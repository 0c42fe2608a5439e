"""Case metrics, over the cases opened in the period (of the chosen channel and category through
the case's order: a case with no order drops out once a filter is set).

Durations are wall-clock hours from Complaint.opened_at; business-hours durations (paused while
waiting on the customer) come with the SLA ledger of the support workspace and will replace them.
"""

import statistics
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from customers.choices import CompensationKind, Reason
from customers.models import Complaint
from reports.metrics.satisfaction import Share
from reports.metrics.scope import Scope


def opened_cases(scope: Scope) -> QuerySet[Complaint]:
    return Complaint.objects.filter(opened_at__gte=scope.since, opened_at__lt=scope.until).filter(
        scope.sale_q("sale_id")
    )


@dataclass
class Median:
    hours: float | None
    count: int

    @property
    def value(self) -> float | None:
        return self.hours


def _median_hours(scope: Scope, column: str) -> Median:
    # One query returning the pairs; a median has no portable SQL form (PostgreSQL's
    # percentile_cont, none on SQLite) and a period's cases are thousands, not millions.
    pairs = opened_cases(scope).filter(**{f"{column}__isnull": False}).values_list("opened_at", column)
    hours = [(done - opened).total_seconds() / 3600 for opened, done in pairs]
    return Median(round(statistics.median(hours), 1) if hours else None, len(hours))


def first_response_time(scope: Scope) -> Median:
    """Median first response time = median of (first response − opening) in hours, over the
    period's cases that have had a first response."""
    return _median_hours(scope, "first_response_at")


def resolution_time(scope: Scope) -> Median:
    """Median resolution time = median of (resolution − opening) in hours, over the period's
    resolved cases."""
    return _median_hours(scope, "resolved_at")


def within_sla(scope: Scope) -> Share:
    """Share within SLA = cases resolved by their SLA due time / the period's cases that are
    resolved or past their due time (a case still open within its time is not decided yet)."""
    now = timezone.now()
    row = (
        opened_cases(scope)
        .filter(Q(resolved_at__isnull=False) | Q(sla_due_at__lt=now))
        .aggregate(whole=Count("pk"), part=Count("pk", filter=Q(resolved_at__lte=F("sla_due_at"))))
    )
    return Share(**row)


@dataclass
class ReasonCount:
    key: str
    label: str
    count: int


def complaints_by_reason(scope: Scope) -> list[ReasonCount]:
    """Cases opened in the period per reason (DESIGN's taxonomy), most first. One query."""
    labels = dict(Reason.choices)
    rows = opened_cases(scope).values("reason").annotate(n=Count("pk")).order_by("-n", "reason")
    return [ReasonCount(r["reason"], str(labels.get(r["reason"], r["reason"])), r["n"]) for r in rows]


@dataclass
class Compensation:
    key: str
    label: str
    count: int
    amount: object  # Decimal


def compensation_by_kind(scope: Scope) -> list[Compensation]:
    """Compensation given on the period's cases per kind: how many and the amount summed. One
    query."""
    labels = dict(CompensationKind.choices)
    rows = (
        opened_cases(scope)
        .exclude(compensation_kind="")
        .values("compensation_kind")
        .annotate(n=Count("pk"), amount=Sum("compensation_amount"))
        .order_by("-n")
    )
    return [
        Compensation(
            r["compensation_kind"], str(labels.get(r["compensation_kind"], "")), r["n"], r["amount"] or 0
        )
        for r in rows
    ]

"""Closing the loop: do detractors whose case was resolved come back?"""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from customers.models import Complaint, Sale
from reports import rollups
from reports.metrics import rolled
from reports.metrics.satisfaction import Share, counted_answers
from reports.metrics.scope import Scope
from reports.rollup_models import RecoveryDay
from surveys.definitions import CES, CSAT, NPS, SurveyType
from surveys.models import Answer

UNHAPPY = Q(survey_type=SurveyType.NPS, score__lte=NPS.detractor_max) | Q(
    survey_type=SurveyType.CSAT, score__lte=CSAT.detractor_max
)


@dataclass
class Recovery:
    recovered: Share  # of detractors with a later answer: that answer is not unhappy
    repeat: Share  # of detractors with a resolved case: bought again after the resolution

    @property
    def value(self) -> float | None:
        return self.recovered.value

    @property
    def count(self) -> int:
        return self.recovered.whole


NOT_UNHAPPY = (
    Q(next_type=SurveyType.NPS, next_score__gt=NPS.detractor_max)
    | Q(next_type=SurveyType.CSAT, next_score__gt=CSAT.detractor_max)
    | Q(next_type=SurveyType.CES, next_score__gt=CES.detractor_max)
)
RECOVERY_COUNTS = {
    "resolved": Count("pk"),
    "answered": Count("pk", filter=Q(next_score__isnull=False)),
    "recovered": Count("pk", filter=NOT_UNHAPPY),
    "repeat": Count("pk", filter=Q(again=True)),
}


def detractors_resolved(scope: Scope):
    """The period's detractors whose case was resolved, with their next answer after the
    resolution (next_type, next_score) and whether they bought again after it (again)."""
    later = Answer.objects.filter(
        flagged=False, customer_id=OuterRef("customer_id"), answered_at__gt=OuterRef("resolved_at")
    ).order_by("answered_at", "pk")
    # The case's resolution as a subquery rather than a join: the planner then starts from the
    # period's answers (by answered_at) instead of walking every answer that opened a case.
    resolved_at = Subquery(Complaint.objects.filter(pk=OuterRef("complaint_id")).values("resolved_at"))
    return (
        counted_answers(scope)
        .filter(UNHAPPY)
        .annotate(resolved_at=resolved_at)
        .filter(resolved_at__isnull=False)
        .annotate(
            next_type=Subquery(later.values("survey_type")[:1]),
            next_score=Subquery(later.values("score")[:1]),
            again=Exists(
                Sale.objects.filter(
                    customer_id=OuterRef("customer_id"), ordered_at__gt=OuterRef("resolved_at")
                )
            ),
        )
    )


def detractor_recovery(scope: Scope) -> Recovery:
    """Detractors' recovery rate = detractors (NPS 0-6, CSAT 1-2) of the period whose case was
    resolved and whose next answer after the resolution is passive or promoter (NPS 7-10, CSAT
    3-5, CES 4-7) / those detractors with a next answer. Their repeat-purchase rate = those
    detractors who bought again after the resolution / detractors with a resolved case.

    One query."""
    if rollups.usable(scope):
        row = rolled.days(RecoveryDay, scope).aggregate(
            **{key: rolled.total(key) for key in ("resolved", "answered", "recovered", "repeat")}
        )
    else:
        row = detractors_resolved(scope).aggregate(**RECOVERY_COUNTS)
    return Recovery(
        recovered=Share(row["recovered"], row["answered"]), repeat=Share(row["repeat"], row["resolved"])
    )

"""Survey metrics: NPS, CSAT, CES, response rate, and the latest comments.

Only a person's answers count: answers flagged as automated (a mail scanner clicking the score
buttons, DESIGN section 4) are left out. An answer belongs to the period in which a person first
answered it, with its current score; it belongs to the sale it was asked about (a case survey: the
case's sale) for the channel and category filters.
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast, Coalesce

from followups.models import MessageEvent
from reports import rollups
from reports.metrics import rolled
from reports.metrics.scope import Scope, bucket_date
from surveys.definitions import CES, CSAT, NPS, SurveyType
from surveys.models import Answer, Invitation

# A trend point on fewer answers than this is shown as "too few": its interval is too wide to read.
MIN_TREND_ANSWERS = 30


@dataclass
class NpsResult:
    score: float | None  # None when nobody answered
    responses: int
    promoters: int
    passives: int
    detractors: int

    @property
    def value(self) -> float | None:
        return self.score

    @property
    def count(self) -> int:
        return self.responses

    @property
    def margin(self) -> float | None:
        """Half the 95% interval, in NPS points: 1.96 · 100 · √((p + d − (p − d)²) / n)."""
        if not self.responses:
            return None
        p, d = self.promoters / self.responses, self.detractors / self.responses
        return round(1.96 * 100 * math.sqrt((p + d - (p - d) ** 2) / self.responses), 1)

    @property
    def low(self) -> float | None:
        return None if self.score is None else round(max(-100.0, self.score - self.margin), 1)

    @property
    def high(self) -> float | None:
        return None if self.score is None else round(min(100.0, self.score + self.margin), 1)

    @property
    def too_few(self) -> bool:
        return self.responses < MIN_TREND_ANSWERS


@dataclass
class CsatResult:
    score: float | None
    responses: int
    satisfied: int

    @property
    def value(self) -> float | None:
        return self.score

    @property
    def count(self) -> int:
        return self.responses


@dataclass
class CesResult:
    score: float | None
    responses: int

    @property
    def value(self) -> float | None:
        return self.score

    @property
    def count(self) -> int:
        return self.responses


@dataclass
class Share:
    """A part of a whole, as a percentage: response rate, on-time rate, repeat-purchase rate…"""

    part: int
    whole: int

    @property
    def value(self) -> float | None:
        return percent(self.part, self.whole)

    @property
    def count(self) -> int:
        return self.whole


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def counted_answers(scope: Scope) -> QuerySet[Answer]:
    """A person's answers first given in the period, of the chosen channel and category."""
    answers = Answer.objects.filter(flagged=False, answered_at__gte=scope.since, answered_at__lt=scope.until)
    if scope.filtered:
        answers = answers.alias(
            sale_ref=Coalesce("invitation__sale_id", "invitation__complaint__sale_id")
        ).filter(scope.sale_q("sale_ref"))
    return answers


NPS_COUNTS = {
    "total": Count("pk"),
    "promoters": Count("pk", filter=Q(score__gte=NPS.promoter_min)),
    "detractors": Count("pk", filter=Q(score__lte=NPS.detractor_max)),
}
CSAT_COUNTS = {"total": Count("pk"), "satisfied": Count("pk", filter=Q(score__gte=CSAT.promoter_min))}
EFFORT = Q(ces_score__isnull=False) | Q(survey_type=SurveyType.CES)
CES_COUNTS = {"total": Count("pk"), "average": Avg(Coalesce("ces_score", "score"))}


def nps_of(row: dict) -> NpsResult:
    total, promoters, detractors = row["total"], row["promoters"], row["detractors"]
    score = round(100 * (promoters - detractors) / total, 1) if total else None
    return NpsResult(
        score=score,
        responses=total,
        promoters=promoters,
        passives=total - promoters - detractors,
        detractors=detractors,
    )


def csat_of(row: dict) -> CsatResult:
    return CsatResult(
        score=percent(row["satisfied"], row["total"]), responses=row["total"], satisfied=row["satisfied"]
    )


def ces_of(row: dict) -> CesResult:
    score = round(row["average"], 2) if row["total"] and row["average"] is not None else None
    return CesResult(score=score, responses=row["total"])


def nps(scope: Scope) -> NpsResult:
    """Net Promoter Score = % promoters (9-10) − % detractors (0-6) of NPS answers (0-10), from
    −100 to 100, with its 95% interval NPS ± 1.96·100·√((p + d − (p − d)²) / n), p and d the
    promoters' and detractors' shares of the n answers."""
    if rollups.usable(scope):
        return nps_of(rolled.answer_counts(scope, NPS_ONLY, rolled.nps_counts()))
    return nps_of(counted_answers(scope).filter(NPS_ONLY).aggregate(**NPS_COUNTS))


def csat(scope: Scope) -> CsatResult:
    """Customer satisfaction = % of CSAT answers (1-5) that are 4 or 5."""
    if rollups.usable(scope):
        return csat_of(rolled.answer_counts(scope, CSAT_ONLY, rolled.csat_counts()))
    return csat_of(counted_answers(scope).filter(CSAT_ONLY).aggregate(**CSAT_COUNTS))


def ces(scope: Scope) -> CesResult:
    """Customer effort score = the mean effort answer on 1-7 (1 very difficult, 7 very easy):
    the effort question of case surveys and any effort-only survey."""
    if rollups.usable(scope):
        return ces_of(rolled.ces_average(rolled.answer_counts(scope, EFFORT, rolled.ces_counts())))
    return ces_of(counted_answers(scope).filter(EFFORT).aggregate(**CES_COUNTS))


NPS_ONLY = Q(survey_type=SurveyType.NPS)
CSAT_ONLY = Q(survey_type=SurveyType.CSAT)


def _trend(scope: Scope, survey: Q, counts: dict, build, rolled_counts=None, finish=None):
    if rollups.usable(scope):
        rolled_counts = rolled_counts()
        per_bucket = rolled.by_bucket(
            scope, rolled.answer_counts(scope, survey, rolled_counts, trend=True), tuple(rolled_counts)
        )
        finish = finish or (lambda row: row)
        rows = {day: build(finish(row)) for day, row in per_bucket.items()}
    else:
        rows = {
            bucket_date(row["bucket"]): build(row)
            for row in counted_answers(scope)
            .filter(survey)
            .annotate(bucket=scope.bucket("answered_at"))
            .values("bucket")
            .annotate(**counts)
            .order_by("bucket")
        }
    empty = build({key: 0 if key != "average" else None for key in ("total", *counts)})
    return [(day, rows.get(day, empty)) for day in scope.buckets()]


def nps_trend(scope: Scope) -> list[tuple[dt.date, NpsResult]]:
    """NPS per week (periods up to 92 days) or per month, each with its interval; a point on
    fewer than 30 answers is marked too few to read. One query."""
    return _trend(scope, NPS_ONLY, NPS_COUNTS, nps_of, rolled.nps_counts)


def csat_trend(scope: Scope) -> list[tuple[dt.date, CsatResult]]:
    """CSAT per week or month of the period. One query."""
    return _trend(scope, CSAT_ONLY, CSAT_COUNTS, csat_of, rolled.csat_counts)


def ces_trend(scope: Scope) -> list[tuple[dt.date, CesResult]]:
    """CES per week or month of the period. One query."""
    return _trend(scope, EFFORT, CES_COUNTS, ces_of, rolled.ces_counts, rolled.ces_average)


def invitations_delivered(scope: Scope) -> QuerySet[Invitation]:
    """Invitations sent in the period whose mail did not bounce, of the chosen filters."""
    bounced = MessageEvent.objects.filter(message_id=OuterRef("message_id"), event="bounced")
    invitations = Invitation.objects.filter(created_at__gte=scope.since, created_at__lt=scope.until).filter(
        ~Exists(bounced)
    )
    if scope.filtered:
        invitations = invitations.alias(sale_ref=Coalesce("sale_id", "complaint__sale_id")).filter(
            scope.sale_q("sale_ref")
        )
    return invitations


RESPONSE_COUNTS = {"whole": Count("pk"), "part": Count("pk", filter=Q(answered_at__isnull=False))}


def response_rate(scope: Scope) -> Share:
    """Survey response rate = invitations a person answered / invitations delivered, over the
    invitations sent in the period; an invitation whose mail bounced was never delivered and is
    left out (AAPOR's RR1 in spirit)."""
    if rollups.usable(scope):
        return Share(**rolled.invitations(scope))
    return Share(**invitations_delivered(scope).aggregate(**RESPONSE_COUNTS))


def response_rate_trend(scope: Scope) -> list[tuple[dt.date, Share]]:
    """Response rate per week or month in which the invitations were sent. One query."""
    if rollups.usable(scope):
        rows = {
            day: Share(**row)
            for day, row in rolled.by_bucket(
                scope, rolled.invitations(scope, trend=True), ("part", "whole")
            ).items()
        }
    else:
        rows = {
            bucket_date(row.pop("bucket")): Share(**row)
            for row in invitations_delivered(scope)
            .annotate(bucket=scope.bucket("created_at"))
            .values("bucket")
            .annotate(**RESPONSE_COUNTS)
            .order_by("bucket")
        }
    return [(day, rows.get(day, Share(0, 0))) for day in scope.buckets()]


# --- Comments ----------------------------------------------------------------------------------

FEELINGS = ("detractor", "passive", "promoter")


def _feeling_q(feeling: str) -> Q:
    """Detractor, passive or promoter on the answer's own scale (NPS 0-6 / 7-8 / 9-10, CSAT
    1-2 / 3 / 4-5, CES 1-3 / 4 / 5-7)."""
    q = Q()
    for survey_type, scale in ((SurveyType.NPS, NPS), (SurveyType.CSAT, CSAT), (SurveyType.CES, CES)):
        if feeling == "detractor":
            score = Q(score__lte=scale.detractor_max)
        elif feeling == "promoter":
            score = Q(score__gte=scale.promoter_min)
        else:
            score = Q(score__gt=scale.detractor_max, score__lt=scale.promoter_min)
        q |= Q(survey_type=survey_type) & score
    return q


def latest_comments(scope: Scope, *, feeling: str = "", reason: str = "", limit: int = 25) -> list[Answer]:
    """The period's latest answers with a comment, newest first, optionally of one feeling
    (detractor, passive, promoter on the answer's scale) and one reason. One query."""
    answers = counted_answers(scope).exclude(comment="")
    if feeling in FEELINGS:
        answers = answers.filter(_feeling_q(feeling))
    if reason:
        # JSON "contains" has no SQLite form; the list's text holds each reason quoted.
        answers = answers.alias(reasons_text=Cast("reasons", TextField())).filter(
            reasons_text__contains=f'"{reason}"'
        )
    return list(
        answers.select_related("customer", "invitation__sale").order_by("-answered_at", "-pk")[:limit]
    )

"""The metrics read from the rollups (reports.rollup_models): the same numbers as the live
queries, summed over days. Each function here is the rollup half of a metric of the same name."""

import datetime as dt

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from reports.metrics.scope import Scope
from reports.rollup_models import AnswerDay, InvitationDay


def days(model, scope: Scope, field: str = "day") -> QuerySet:
    """The model's rows of the scope's days and filters."""
    rows = model.objects.filter(**{f"{field}__gte": scope.start, f"{field}__lt": scope.end}).filter(
        category=scope.category
    )
    return rows.filter(channel=scope.channel) if scope.channel else rows


def total(field: str, condition: Q | None = None):
    return Coalesce(Sum(field, filter=condition), 0)


def bucket_of(scope: Scope, day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday()) if scope.weekly else day.replace(day=1)


def by_bucket(scope: Scope, rows, keys: tuple[str, ...]) -> dict[dt.date, dict]:
    """Day rows (each with a "day") added up per week or month of the trend."""
    out: dict[dt.date, dict] = {}
    for row in rows:
        into = out.setdefault(bucket_of(scope, row["day"]), dict.fromkeys(keys, 0))
        for key in keys:
            into[key] += row[key] or 0
    return out


# --- Answers -------------------------------------------------------------------------------


def answer_counts(scope: Scope, survey: Q, counts: dict, *, trend: bool = False):
    rows = days(AnswerDay, scope).filter(survey)
    if trend:
        return list(rows.values("day").annotate(**counts).order_by("day"))
    return rows.aggregate(**counts)


def nps_counts() -> dict:
    from surveys.definitions import NPS

    return {
        "total": total("n"),
        "promoters": total("n", Q(score__gte=NPS.promoter_min)),
        "detractors": total("n", Q(score__lte=NPS.detractor_max)),
    }


def csat_counts() -> dict:
    from surveys.definitions import CSAT

    return {"total": total("n"), "satisfied": total("n", Q(score__gte=CSAT.promoter_min))}


def ces_counts() -> dict:
    return {"total": total("n"), "points": total(F("n") * Coalesce("ces_score", "score"))}


def ces_average(row: dict) -> dict:
    """The mean as the live Avg() gives it: a float (Django's output field for it)."""
    n, points = row["total"], row["points"]
    return {"total": n, "average": points / n if n else None}


def invitations(scope: Scope, *, trend: bool = False):
    counts = {"whole": total("delivered"), "part": total("answered")}
    rows = days(InvitationDay, scope)
    if trend:
        return list(rows.values("day").annotate(**counts).order_by("day"))
    return rows.aggregate(**counts)

"""The numbers of the dashboard as one plain dict: the API's body and the digest's source.

Each metric sits under its name with its value, its count of observations and the previous
period's value (same length, just before, same filters). A plain builder so that another view can
merge its own keys into the same body.
"""

import datetime as dt
from decimal import Decimal

from reports import metrics, rollups
from reports.metrics.scope import Scope

# name → (function, how to read its value). Each call is one or two queries.
HEADLINE = {
    "nps": metrics.nps,
    "csat": metrics.csat,
    "ces": metrics.ces,
    "response_rate": metrics.response_rate,
    "repeat_purchase_rate": metrics.repeat_purchase_rate,
    "on_time_rate": metrics.on_time_rate,
    "late_notified_rate": metrics.late_notified_rate,
    "first_response_hours": metrics.first_response_time,
    "resolution_hours": metrics.resolution_time,
    "within_sla_rate": metrics.within_sla,
    "detractor_recovery_rate": metrics.detractor_recovery,
    "cohort_retention": metrics.cohort_retention,
}


def _number(value):
    return float(value) if isinstance(value, Decimal) else value


def headline(scope: Scope, names=None) -> dict[str, dict]:
    """Every headline metric (or those named) over the scope and its previous period."""
    previous = scope.previous()
    body = {}
    for name, metric in HEADLINE.items():
        if names and name not in names:
            continue
        now, before = metric(scope), metric(previous)
        body[name] = {"value": _number(now.value), "count": now.count, "previous": _number(before.value)}
        if name == "nps":
            body[name].update(
                low=now.low,
                high=now.high,
                promoters=now.promoters,
                passives=now.passives,
                detractors=now.detractors,
            )
    return body


def metrics_payload(start: dt.date, end: dt.date, channel: str = "", category: str = "") -> dict:
    """The API body of GET /api/v1/metrics/: the period, its filters, and every metric."""
    with rollups.pinned():
        return _payload(Scope(start, end, channel or "", category or ""))


def _payload(scope: Scope) -> dict:
    start, end, channel, category = scope.start, scope.end, scope.channel, scope.category
    body = {
        "period": {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "previous_start": scope.previous().start.isoformat(),
            "channel": channel or None,
            "category": category or None,
        }
    }
    body.update(headline(scope))
    cohorts = body["cohort_retention"]
    cohorts["cohorts"] = [
        {"month": c.month.isoformat(), "size": c.size, "retention": c.rates}
        for c in metrics.cohort_retention(scope).cohorts
    ]
    rfm, rfm_before = metrics.rfm_segments(scope), metrics.rfm_segments(scope.previous())
    before = {s.key: s.customers for s in rfm_before.segments}
    body["rfm_segments"] = {
        "value": {
            s.key: {"customers": s.customers, "value": float(s.value), "previous": before.get(s.key, 0)}
            for s in rfm.segments
        },
        "count": rfm.count,
        "previous": rfm_before.count,
    }
    body["late_by_reason"] = {"value": {r.key or "none": r.count for r in metrics.late_by_reason(scope)}}
    body["complaints_by_reason"] = {"value": {r.key: r.count for r in metrics.complaints_by_reason(scope)}}
    body["compensation_by_kind"] = {
        "value": {
            c.key: {"count": c.count, "amount": float(c.amount)} for c in metrics.compensation_by_kind(scope)
        }
    }
    body["message_funnel"] = {
        "value": {
            f.kind or "all": f.steps | {"suppressed_by": f.suppressed_by, "cancelled_by": f.cancelled_by}
            for f in metrics.message_funnel(scope)
        }
    }
    return body

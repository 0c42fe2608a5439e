"""Retention metrics: one function per metric, its docstring its definition (shown on the page).

Every metric takes a Scope (period [start, end) and optional channel and category filters) and
answers in a fixed number of queries whatever the data size.
"""

from reports.metrics.cases import (
    compensation_by_kind,
    complaints_by_reason,
    first_response_time,
    resolution_time,
    within_sla,
)
from reports.metrics.delivery import (
    late_by_carrier,
    late_by_reason,
    late_notified_rate,
    lateness_impact,
    on_time_rate,
)
from reports.metrics.messages import message_funnel
from reports.metrics.purchases import (
    SEGMENTS,
    cohort_retention,
    customers_by_stage,
    repeat_purchase_rate,
    repeat_purchase_trend,
    rfm_customer_ids,
    rfm_segments,
)
from reports.metrics.recovery import detractor_recovery
from reports.metrics.satisfaction import (
    ces,
    ces_trend,
    csat,
    csat_trend,
    latest_comments,
    nps,
    nps_trend,
    response_rate,
    response_rate_trend,
)
from reports.metrics.scope import Scope

__all__ = [
    "SEGMENTS",
    "Scope",
    "ces",
    "ces_trend",
    "cohort_retention",
    "complaints_by_reason",
    "compensation_by_kind",
    "csat",
    "csat_trend",
    "customers_by_stage",
    "detractor_recovery",
    "first_response_time",
    "late_by_carrier",
    "late_by_reason",
    "late_notified_rate",
    "lateness_impact",
    "latest_comments",
    "message_funnel",
    "nps",
    "nps_trend",
    "on_time_rate",
    "repeat_purchase_rate",
    "repeat_purchase_trend",
    "resolution_time",
    "response_rate",
    "response_rate_trend",
    "rfm_customer_ids",
    "rfm_segments",
    "within_sla",
]

"""Every table of the dashboard, built once: the page shows it, the CSV export writes it.

A table is a title, headers and rows of plain values (str, int, float, None); the page and the
CSV read the very same rows, so their numbers cannot drift apart.
"""

import csv
import io
from dataclasses import dataclass, field

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports import metrics
from reports.metrics.payload import headline
from reports.metrics.purchases import COHORT_MONTHS
from reports.metrics.scope import Scope


@dataclass
class Table:
    name: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)  # per row: where its first cell leads

    @property
    def header_cells(self) -> list[tuple[str, bool]]:
        return list(zip(self.headers, self.numeric, strict=True))

    @property
    def numeric(self) -> list[bool]:
        """Per column: does it hold numbers (right-aligned, header too)?"""
        return [
            i > 0 and all(isinstance(row[i], (int, float)) or row[i] is None for row in self.rows)
            for i in range(len(self.headers))
        ]


def week_label(scope: Scope, day) -> str:
    return formats.date_format(day, "j M" if scope.weekly else "M Y")


# --- Overview ----------------------------------------------------------------------------------

HEADLINE_LABELS = {
    "nps": gettext_lazy("NPS"),
    "csat": gettext_lazy("CSAT (%)"),
    "ces": gettext_lazy("CES (mean, 1-7)"),
    "response_rate": gettext_lazy("Survey response rate (%)"),
    "repeat_purchase_rate": gettext_lazy("Repeat-purchase rate (%)"),
    "on_time_rate": gettext_lazy("On-time deliveries (%)"),
    "late_notified_rate": gettext_lazy("Late deliveries told in time (%)"),
    "first_response_hours": gettext_lazy("Median first response (hours)"),
    "resolution_hours": gettext_lazy("Median resolution (hours)"),
    "within_sla_rate": gettext_lazy("Cases within SLA (%)"),
    "detractor_recovery_rate": gettext_lazy("Detractors recovered (%)"),
    "cohort_retention": gettext_lazy("Month-1 cohort retention (%)"),
}


def headline_table(scope: Scope, numbers: dict | None = None) -> Table:
    numbers = numbers or headline(scope)
    table = Table(
        "headline",
        _("Key numbers"),
        [_("Metric"), _("This period"), _("Previous period"), _("Difference"), _("Observations")],
    )
    for name, label in HEADLINE_LABELS.items():
        n = numbers[name]
        change = (
            round(n["value"] - n["previous"], 1)
            if n["value"] is not None and n["previous"] is not None
            else None
        )
        table.rows.append([str(label), n["value"], n["previous"], change, n["count"]])
    return table


# --- Satisfaction ------------------------------------------------------------------------------


def nps_trend_table(scope: Scope, trend=None) -> Table:
    trend = trend if trend is not None else metrics.nps_trend(scope)
    table = Table(
        "nps_trend",
        _("NPS by week") if scope.weekly else _("NPS by month"),
        [
            _("Period"),
            _("Answers"),
            _("Promoters"),
            _("Passives"),
            _("Detractors"),
            _("NPS"),
            _("95% interval from"),
            _("to"),
            _("Note"),
        ],
    )
    for day, p in trend:
        table.rows.append(
            [
                week_label(scope, day),
                p.responses,
                p.promoters,
                p.passives,
                p.detractors,
                p.score,
                p.low,
                p.high,
                _("too few answers") if p.responses and p.too_few else "",
            ]
        )
    return table


def satisfaction_trend_table(scope: Scope) -> Table:
    table = Table(
        "satisfaction_trend",
        _("CSAT, CES and response rate over time"),
        [
            _("Period"),
            _("CSAT (%)"),
            _("CSAT answers"),
            _("CES"),
            _("CES answers"),
            _("Response rate (%)"),
            _("Invitations delivered"),
        ],
    )
    for (day, c), (_d, e), (_d2, r) in zip(
        metrics.csat_trend(scope), metrics.ces_trend(scope), metrics.response_rate_trend(scope), strict=True
    ):
        table.rows.append(
            [week_label(scope, day), c.score, c.responses, e.score, e.responses, r.value, r.whole]
        )
    return table


def comments_table(scope: Scope, feeling: str = "", reason: str = "") -> Table:
    from customers.choices import Reason

    reasons = dict(Reason.choices)
    table = Table(
        "comments",
        _("Latest comments"),
        [_("Customer"), _("Answered"), _("Survey"), _("Score"), _("Reasons"), _("Comment")],
    )
    for a in metrics.latest_comments(scope, feeling=feeling, reason=reason):
        table.rows.append(
            [
                a.customer.name,
                formats.date_format(a.answered_at, "SHORT_DATE_FORMAT"),
                a.get_survey_type_display(),
                a.score,
                ", ".join(str(reasons.get(r, r)) for r in a.reasons),
                a.comment,
            ]
        )
        table.links.append(f"/customers/{a.customer_id}/")
    return table


# --- Purchases ---------------------------------------------------------------------------------


def cohort_table(scope: Scope, cohorts=None) -> Table:
    cohorts = cohorts or metrics.cohort_retention(scope)
    table = Table(
        "cohorts",
        _("Cohort retention (% of each first-purchase month buying in month k)"),
        [_("Cohort"), _("Customers"), *(_("Month %(k)s") % {"k": k} for k in range(COHORT_MONTHS))],
    )
    for c in cohorts.cohorts:
        table.rows.append([formats.date_format(c.month, "M Y"), c.size, *c.rates])
    return table


def rfm_table(scope: Scope, rfm=None) -> Table:
    rfm = rfm or metrics.rfm_segments(scope)
    table = Table(
        "rfm",
        _("RFM segments"),
        [_("Segment"), _("Rule"), _("Customers"), _("Share (%)"), _("Value (sum of sales)")],
    )
    total = rfm.count
    rules = {key: ranges for key, _name, *ranges in metrics.SEGMENTS}
    for s in rfm.segments:
        table.rows.append(
            [
                str(s.name),
                _rule(rules[s.key]),
                s.customers,
                round(100 * s.customers / total, 1) if total else None,
                float(round(s.value, 2)),
            ]
        )
        table.links.append(f"segment/{s.key}/")
    return table


def _rule(ranges) -> str:
    parts = []
    for letter, (low, high) in zip("RFM", ranges, strict=True):
        if (low, high) != (1, 5):
            parts.append(f"{letter} {low}" if low == high else f"{letter} {low}-{high}")
    return " · ".join(parts)


# --- Delivery ----------------------------------------------------------------------------------


def late_reason_table(scope: Scope) -> Table:
    table = Table("late_by_reason", _("Late deliveries by reason"), [_("Reason"), _("Late deliveries")])
    for r in metrics.late_by_reason(scope):
        table.rows.append([r.label if r.key else _("No reason given"), r.count])
    return table


def late_carrier_table(scope: Scope) -> Table:
    table = Table(
        "late_by_carrier",
        _("Late deliveries by carrier"),
        [_("Carrier"), _("Deliveries"), _("Late"), _("Late (%)")],
    )
    for name, share in metrics.late_by_carrier(scope):
        table.rows.append([name, share.whole, share.part, share.value])
    return table


IMPACT_HEADERS = [
    gettext_lazy("Deliveries"),
    gettext_lazy("NPS"),
    gettext_lazy("NPS answers"),
    gettext_lazy("CSAT (%)"),
    gettext_lazy("CSAT answers"),
    gettext_lazy("Bought again (%)"),
]


def _impact_row(label: str, i) -> list:
    return [label, i.deliveries, i.nps.score, i.nps.responses, i.csat.score, i.csat.responses, i.repeat.value]


def lateness_table(scope: Scope, impact=None) -> Table:
    impact = impact or metrics.lateness_impact(scope)
    table = Table(
        "lateness_impact",
        _("Late against on time: satisfaction and repeat purchase"),
        [_("Orders"), *map(str, IMPACT_HEADERS)],
    )
    for i in (impact.on_time, impact.late, impact.notified, impact.not_notified):
        table.rows.append(_impact_row(i.label, i))
    for i in impact.by_reason:
        table.rows.append(_impact_row(_("Late: %(reason)s") % {"reason": i.label}, i))
    for on_time, late in impact.by_carrier:
        table.rows.append(_impact_row(_("%(carrier)s, on time") % {"carrier": on_time.label}, on_time))
        table.rows.append(_impact_row(_("%(carrier)s, late") % {"carrier": late.label}, late))
    return table


# --- Cases -------------------------------------------------------------------------------------


def complaint_reason_table(scope: Scope) -> Table:
    table = Table("complaints_by_reason", _("Cases by reason"), [_("Reason"), _("Cases")])
    table.rows = [[r.label, r.count] for r in metrics.complaints_by_reason(scope)]
    return table


def compensation_table(scope: Scope) -> Table:
    table = Table("compensation", _("Compensation given"), [_("Kind"), _("Cases"), _("Amount")])
    table.rows = [[c.label, c.count, float(c.amount)] for c in metrics.compensation_by_kind(scope)]
    return table


# --- Messages ----------------------------------------------------------------------------------

STEP_LABELS = {
    "planned": gettext_lazy("Planned"),
    "sent": gettext_lazy("Sent"),
    "delivered": gettext_lazy("Delivered"),
    "opened": gettext_lazy("Opened"),
    "clicked": gettext_lazy("Clicked"),
    "bounced": gettext_lazy("Bounced"),
    "unsubscribed": gettext_lazy("Unsubscribed"),
    "deferred": gettext_lazy("Deferred"),
    "suppressed": gettext_lazy("Suppressed"),
    "cancelled": gettext_lazy("Cancelled"),
    "failed": gettext_lazy("Failed"),
}


def funnel_table(scope: Scope, funnels=None) -> Table:
    funnels = funnels if funnels is not None else metrics.message_funnel(scope)
    table = Table("funnel", _("Messages by kind"), [_("Kind"), *map(str, STEP_LABELS.values())])
    table.rows = [[f.label, *(f.steps[s] for s in STEP_LABELS)] for f in funnels]
    return table


def reasons_table(scope: Scope, funnels=None) -> Table:
    funnels = funnels if funnels is not None else metrics.message_funnel(scope)
    table = Table(
        "held_back",
        _("Suppressed and cancelled, by reason"),
        [_("Kind"), _("Outcome"), _("Reason"), _("Messages")],
    )
    for f in funnels:
        if not f.kind:
            continue
        for outcome, by in ((_("Suppressed"), f.suppressed_by), (_("Cancelled"), f.cancelled_by)):
            table.rows += [[f.label, outcome, reason, n] for reason, n in sorted(by.items())]
    return table


# name → builder(scope, params): what /reports/export/<name>.csv can write.
EXPORTS = {
    "headline": lambda scope, params: headline_table(scope),
    "nps_trend": lambda scope, params: nps_trend_table(scope),
    "satisfaction_trend": lambda scope, params: satisfaction_trend_table(scope),
    "comments": lambda scope, params: comments_table(
        scope, params.get("feeling", ""), params.get("reason", "")
    ),
    "cohorts": lambda scope, params: cohort_table(scope),
    "rfm": lambda scope, params: rfm_table(scope),
    "late_by_reason": lambda scope, params: late_reason_table(scope),
    "late_by_carrier": lambda scope, params: late_carrier_table(scope),
    "lateness_impact": lambda scope, params: lateness_table(scope),
    "complaints_by_reason": lambda scope, params: complaint_reason_table(scope),
    "compensation": lambda scope, params: compensation_table(scope),
    "funnel": lambda scope, params: funnel_table(scope),
    "held_back": lambda scope, params: reasons_table(scope),
}

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe; numbers stay
    numbers (a negative NPS is not a formula)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(str(h)) for h in table.headers])
    for row in table.rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()

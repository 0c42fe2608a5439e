"""What each report page shows: tiles, charts and tables, built from reports.metrics."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.choices import LifecycleStage, Reason
from reports import charts, metrics, tables
from reports.metrics.payload import headline
from reports.metrics.purchases import COHORT_MONTHS
from reports.metrics.satisfaction import FEELINGS
from reports.metrics.scope import Scope

AREAS = [
    ("retention", gettext_lazy("Overview")),
    ("satisfaction", gettext_lazy("Satisfaction")),
    ("purchases", gettext_lazy("Purchases")),
    ("delivery", gettext_lazy("Delivery")),
    ("cases", gettext_lazy("Cases")),
    ("messages", gettext_lazy("Messages")),
    ("at_risk", gettext_lazy("Customers at risk")),
]


@dataclass
class Tile:
    name: str
    label: str
    value: float | None
    previous: float | None
    count: int
    unit: str
    higher_is_better: bool
    area: str
    formula: str
    spark: str = ""

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 1)

    @property
    def tone(self) -> str:
        """good / bad / flat: whether the change goes the way a manager wants."""
        if not self.change:
            return "flat"
        return "good" if (self.change > 0) == self.higher_is_better else "bad"


# name, unit, higher is better, area, trend (for the sparkline)
TILES = [
    ("nps", "", True, "satisfaction", metrics.nps_trend),
    ("csat", "%", True, "satisfaction", metrics.csat_trend),
    ("ces", "", True, "satisfaction", metrics.ces_trend),
    ("response_rate", "%", True, "satisfaction", metrics.response_rate_trend),
    ("repeat_purchase_rate", "%", True, "purchases", metrics.repeat_purchase_trend),
    ("cohort_retention", "%", True, "purchases", None),
    ("on_time_rate", "%", True, "delivery", None),
    ("late_notified_rate", "%", True, "delivery", None),
    ("first_response_hours", " h", False, "cases", None),
    ("resolution_hours", " h", False, "cases", None),
    ("within_sla_rate", "%", True, "cases", None),
    ("detractor_recovery_rate", "%", True, "cases", None),
]


def formula_of(name: str) -> str:
    """The metric's definition as written in its docstring: the page shows the code's words."""
    from reports.metrics.payload import HEADLINE

    return _formula(HEADLINE[name])


def tiles(scope: Scope, numbers: dict | None = None, *, names=None) -> list[Tile]:
    numbers = numbers or headline(scope, names)
    out = []
    for name, unit, higher, area, trend in TILES:
        if names and name not in names:
            continue
        n = numbers[name]
        tile = Tile(
            name,
            str(tables.HEADLINE_LABELS[name]),
            n["value"],
            n["previous"],
            n["count"],
            unit,
            higher,
            area,
            formula_of(name),
        )
        if trend is not None:
            tile.spark = charts.sparkline(
                [p.value for _, p in trend(scope)], title=_("Trend of %(metric)s") % {"metric": tile.label}
            )
        out.append(tile)
    return out


def overview(scope: Scope) -> dict:
    numbers = headline(scope)
    trend = metrics.nps_trend(scope)
    by_stage = metrics.customers_by_stage()
    return {
        "tiles": tiles(scope, numbers),
        "nps_chart": nps_chart(scope, trend),
        "tables": [tables.headline_table(scope, numbers)],
        "stages": [(label, by_stage.get(value, 0)) for value, label in LifecycleStage.choices],
    }


def nps_chart(scope: Scope, trend) -> str:
    points = [
        {
            "label": tables.week_label(scope, day),
            "value": p.score,
            "low": p.low,
            "high": p.high,
            "faded": p.too_few,
        }
        for day, p in trend
    ]
    return charts.band_trend(
        points,
        title=_("NPS with its 95% interval"),
        too_few_label=_("fewer than 30 answers: too few to read"),
    )


def satisfaction(scope: Scope, params) -> dict:
    trend = metrics.nps_trend(scope)
    feeling = params.get("feeling", "") if params.get("feeling", "") in FEELINGS else ""
    reason = params.get("reason", "") if params.get("reason", "") in Reason.values else ""
    return {
        "tiles": tiles(scope, names={"nps", "csat", "ces", "response_rate"}),
        "nps_chart": nps_chart(scope, trend),
        "nps_table": tables.nps_trend_table(scope, trend),
        "trend_table": tables.satisfaction_trend_table(scope),
        "comments": tables.comments_table(scope, feeling, reason),
        "feeling": feeling,
        "reason": reason,
        "reasons": Reason.choices,
        "feelings": [
            ("detractor", _("Detractors")),
            ("passive", _("Passives")),
            ("promoter", _("Promoters")),
        ],
        "formulas": {
            name: _formula(fn)
            for name, fn in (
                ("nps", metrics.nps),
                ("csat", metrics.csat),
                ("ces", metrics.ces),
                ("response_rate", metrics.response_rate),
            )
        },
    }


def _formula(fn) -> str:
    """The first paragraph of the metric's docstring, in the page's language: the catalogue
    holds each paragraph as its msgid (an edited docstring shows in English until translated)."""
    paragraph = " ".join((fn.__doc__ or "").strip().split("\n\n")[0].split())
    return _(paragraph)


def purchases(scope: Scope) -> dict:
    cohorts = metrics.cohort_retention(scope)
    rfm = metrics.rfm_segments(scope)
    heat = charts.heatmap(
        [(row[0], row[1], row[2:]) for row in tables.cohort_table(scope, cohorts).rows],
        title=_("Cohort retention heat map"),
        size_label=_("Size"),
        column_labels=[str(k) for k in range(COHORT_MONTHS)],
    )
    rfm_bars = charts.bars(
        [(str(s.name), s.customers, str(s.customers)) for s in rfm.segments],
        title=_("Customers per RFM segment"),
    )
    return {
        "tiles": tiles(scope, names={"repeat_purchase_rate", "cohort_retention"}),
        "heatmap": heat,
        "cohort_table": tables.cohort_table(scope, cohorts),
        "rfm_chart": rfm_bars,
        "rfm_table": tables.rfm_table(scope, rfm),
        "formulas": {
            "repeat": _formula(metrics.repeat_purchase_rate),
            "cohort": _formula(metrics.cohort_retention),
            "rfm": _formula(metrics.rfm_segments),
        },
    }


def delivery(scope: Scope) -> dict:
    reasons = tables.late_reason_table(scope)
    impact = metrics.lateness_impact(scope)
    return {
        "tiles": tiles(scope, names={"on_time_rate", "late_notified_rate"}),
        "reason_chart": charts.bars(
            [(r[0], r[1], str(r[1])) for r in reasons.rows],
            title=_("Late deliveries by reason"),
            color=charts.BAD,
        ),
        "reason_table": reasons,
        "carrier_table": tables.late_carrier_table(scope),
        "impact_table": tables.lateness_table(scope, impact),
        "impact_chart": charts.diverging_bars(
            [
                (i.label, i.nps.score, _nps_text(i.nps.score, i.nps.responses))
                for i in (
                    impact.on_time,
                    impact.late,
                    impact.notified,
                    impact.not_notified,
                    *impact.by_reason,
                )
            ],
            title=_("NPS of late against on-time orders"),
        ),
        "formulas": {
            "on_time": _formula(metrics.on_time_rate),
            "notified": _formula(metrics.late_notified_rate),
            "impact": _formula(metrics.lateness_impact),
        },
    }


def _nps_text(score, answers: int) -> str:
    if score is None:
        return _("no answers")
    return f"{score:+.0f} (n={answers})"


def cases(scope: Scope) -> dict:
    reasons = tables.complaint_reason_table(scope)
    recovery = metrics.detractor_recovery(scope)
    return {
        "tiles": tiles(
            scope,
            names={"first_response_hours", "resolution_hours", "within_sla_rate", "detractor_recovery_rate"},
        ),
        "reason_chart": charts.bars(
            [(r[0], r[1], str(r[1])) for r in reasons.rows], title=_("Cases by reason")
        ),
        "reason_table": reasons,
        "compensation_table": tables.compensation_table(scope),
        "recovery": recovery,
        "formulas": {
            "first": _formula(metrics.first_response_time),
            "resolution": _formula(metrics.resolution_time),
            "sla": _formula(metrics.within_sla),
            "recovery": _formula(metrics.detractor_recovery),
        },
    }


FUNNEL_MAIN = {"planned", "sent", "delivered", "opened", "clicked"}


def messages(scope: Scope) -> dict:
    funnels = metrics.message_funnel(scope)
    total = funnels[-1] if funnels else None
    chart = (
        charts.bars(
            [
                (str(tables.STEP_LABELS[s]), n, str(n), charts.BRAND if s in FUNNEL_MAIN else charts.MUTED)
                for s, n in total.steps.items()
            ],
            title=_("Message funnel, all kinds"),
        )
        if total
        else ""
    )
    return {
        "funnel_chart": chart,
        "funnel_table": tables.funnel_table(scope, funnels),
        "reasons_table": tables.reasons_table(scope, funnels),
        "formulas": {"funnel": _formula(metrics.message_funnel)},
    }


# page → builder(scope, params): what each report page computes (views and beat's refresh).
BUILDERS = {
    "retention": lambda scope, params: overview(scope),
    "satisfaction": satisfaction,
    "purchases": lambda scope, params: purchases(scope),
    "delivery": lambda scope, params: delivery(scope),
    "cases": lambda scope, params: cases(scope),
    "messages": lambda scope, params: messages(scope),
}

"""Delivery metrics, and what lateness does to satisfaction and repeat purchase.

A delivery counts in the period its promised date falls in, once it is decided: delivered, or its
promised date gone by. It was on time when delivered on or before the promised date (the shop's
calendar); anything else decided is late (delivered after, or still not delivered).
A late delivery was notified in time when a delay notice went out on or before the promised date.
"""

from dataclasses import dataclass, field

from django.db.models import BooleanField, Case, Count, Exists, F, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from customers.choices import DelayReason
from customers.models import Delivery, Sale
from followups.models import Kind, Message
from reports import rollups
from reports.metrics import rolled
from reports.metrics.satisfaction import (
    CSAT_COUNTS,
    NPS_COUNTS,
    CsatResult,
    NpsResult,
    Share,
    csat_of,
    nps_of,
)
from reports.metrics.scope import Scope
from reports.rollup_models import DeliveryDay
from surveys.definitions import SurveyType
from surveys.models import Answer


def _notice_in_time(sale_ref: str, promised_ref: str) -> Exists:
    tz = timezone.get_current_timezone()
    return Exists(
        Message.objects.filter(sale_id=OuterRef(sale_ref), kind=Kind.DELAY_NOTICE, sent_at__isnull=False)
        .annotate(sent_day=TruncDate("sent_at", tzinfo=tz))
        .filter(sent_day__lte=OuterRef(promised_ref))
    )


def annotated_deliveries() -> QuerySet[Delivery]:
    """Every delivery, with on_time and notified annotated."""
    tz = timezone.get_current_timezone()
    return Delivery.objects.annotate(delivered_day=TruncDate("delivered_at", tzinfo=tz)).annotate(
        on_time=Case(
            When(delivered_day__lte=F("promised_date"), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        notified=_notice_in_time("sale_id", "promised_date"),
    )


def decided_deliveries(scope: Scope) -> QuerySet[Delivery]:
    """Deliveries promised in the period and decided, with on_time and notified annotated."""
    today = timezone.localdate()
    return (
        annotated_deliveries()
        .filter(promised_date__gte=scope.start, promised_date__lt=scope.end)
        .filter(Q(delivered_at__isnull=False) | Q(promised_date__lt=today))
        .filter(scope.sale_q("sale_id"))
    )


def _decided_days(scope: Scope) -> QuerySet[DeliveryDay]:
    """The rollup's twin of decided_deliveries: delivered, or promised before today."""
    return rolled.days(DeliveryDay, scope).filter(Q(delivered=True) | Q(day__lt=timezone.localdate()))


def on_time_rate(scope: Scope) -> Share:
    """On-time delivery rate = deliveries delivered on or before their promised date / decided
    deliveries promised in the period.

    One query."""
    if rollups.usable(scope):
        row = _decided_days(scope).aggregate(whole=rolled.total("n"), part=rolled.total("n", Q(on_time=True)))
    else:
        row = decided_deliveries(scope).aggregate(whole=Count("pk"), part=Count("pk", filter=Q(on_time=True)))
    return Share(**row)


def late_notified_rate(scope: Scope) -> Share:
    """Late deliveries notified in time = late deliveries whose customer got a delay notice on or
    before the promised date / late deliveries promised in the period.

    One query."""
    if rollups.usable(scope):
        row = (
            _decided_days(scope)
            .filter(on_time=False)
            .aggregate(whole=rolled.total("n"), part=rolled.total("n", Q(notified=True)))
        )
        return Share(**row)
    row = (
        decided_deliveries(scope)
        .filter(on_time=False)
        .aggregate(whole=Count("pk"), part=Count("pk", filter=Q(notified=True)))
    )
    return Share(**row)


@dataclass
class Count_:
    key: str
    label: str
    count: int


def late_by_reason(scope: Scope) -> list[Count_]:
    """Late deliveries of the period per delay reason (none given: "not given"), most first."""
    labels = dict(DelayReason.choices)
    if rollups.usable(scope):
        late, n = _decided_days(scope).filter(on_time=False), Sum("n")
    else:
        late, n = decided_deliveries(scope).filter(on_time=False), Count("pk")
    rows = late.values("delay_reason").annotate(n=n).order_by("-n", "delay_reason")
    return [Count_(r["delay_reason"], str(labels.get(r["delay_reason"], "—")), r["n"]) for r in rows]


def late_by_carrier(scope: Scope) -> list[tuple[str, Share]]:
    """Per carrier: late deliveries / decided deliveries of the period, most late first."""
    if rollups.usable(scope):
        decided, counts = (
            _decided_days(scope),
            {"whole": Sum("n"), "part": rolled.total("n", Q(on_time=False))},
        )
    else:
        decided, counts = (
            decided_deliveries(scope),
            {"whole": Count("pk"), "part": Count("pk", filter=Q(on_time=False))},
        )
    rows = decided.values("carrier").annotate(**counts).order_by("-part", "carrier")
    return [(r["carrier"] or "—", Share(part=r["part"], whole=r["whole"])) for r in rows]


# --- What lateness does ------------------------------------------------------------------------


@dataclass
class Impact:
    """Satisfaction and repeat purchase of one group of decided deliveries."""

    label: str
    key: str = ""  # the delay reason or carrier of a by_reason / by_carrier row
    deliveries: int = 0
    repeat: Share = field(default_factory=lambda: Share(0, 0))
    nps_counts: dict = field(default_factory=lambda: {"total": 0, "promoters": 0, "detractors": 0})
    csat_counts: dict = field(default_factory=lambda: {"total": 0, "satisfied": 0})

    @property
    def nps(self) -> NpsResult:
        return nps_of(self.nps_counts)

    @property
    def csat(self) -> CsatResult:
        return csat_of(self.csat_counts)


@dataclass
class LatenessImpact:
    on_time: Impact
    late: Impact
    notified: Impact  # late, with a delay notice in time
    not_notified: Impact  # late, without one
    by_reason: list[Impact]
    by_carrier: list[tuple[Impact, Impact]]  # (on time, late) per carrier


def lateness_impact(scope: Scope) -> LatenessImpact:
    """NPS, CSAT and repeat-purchase rate of customers whose order was late against those whose
    order was on time, per delay reason and carrier, and with or without a delay notice before the
    promised date. Over the decided deliveries promised in the period: the survey answers about
    those orders (any time), and repeat = customers who bought again after that order.

    Two queries."""
    groups = ("on_time", "notified", "delay_reason", "carrier")
    if rollups.usable(scope):
        return _assemble(*_impact_days(scope, groups))
    deliveries = (
        decided_deliveries(scope)
        .annotate(again=bought_again())
        .values(*groups)
        .annotate(n=Count("pk"), repeat=Count("pk", filter=Q(again=True)))
        .order_by()
    )
    decided = decided_deliveries(scope).filter(sale_id=OuterRef("invitation__sale_id"))
    answers = (
        Answer.objects.filter(flagged=False, survey_type__in=[SurveyType.NPS, SurveyType.CSAT])
        .filter(Exists(decided))
        .annotate(
            on_time=Exists(decided.filter(on_time=True)),
            notified=Exists(decided.filter(notified=True)),
            delay_reason=F("invitation__sale__delivery__delay_reason"),
            carrier=F("invitation__sale__delivery__carrier"),
        )
        .values("survey_type", *groups)
        .annotate(**NPS_COUNTS, satisfied=CSAT_COUNTS["satisfied"])
        .order_by()
    )
    return _assemble(list(deliveries), list(answers))


def bought_again() -> Exists:
    """The delivery's customer bought again after that order (any channel, any time since)."""
    return Exists(
        Sale.objects.filter(customer_id=OuterRef("sale__customer_id"), ordered_at__gt=OuterRef("ordered_at"))
    )


def _impact_days(scope: Scope, groups: tuple[str, ...]) -> tuple[list[dict], list[dict]]:
    """lateness_impact's two lists of rows, from the delivery rollup in one query."""
    rows = (
        _decided_days(scope)
        .values(*groups)
        .annotate(
            n=Sum("n"),
            repeat=Sum("repeat"),
            nps_total=Sum("nps_total"),
            promoters=Sum("nps_promoters"),
            detractors=Sum("nps_detractors"),
            csat_total=Sum("csat_total"),
            satisfied=Sum("csat_satisfied"),
        )
        .order_by()
    )
    deliveries, answers = [], []
    for row in rows:
        key = {group: row[group] for group in groups}
        if row["n"]:
            deliveries.append({**key, "n": row["n"], "repeat": row["repeat"]})
        if row["nps_total"]:
            answers.append(
                {
                    **key,
                    "survey_type": SurveyType.NPS,
                    "total": row["nps_total"],
                    "promoters": row["promoters"],
                    "detractors": row["detractors"],
                }
            )
        if row["csat_total"]:
            answers.append(
                {
                    **key,
                    "survey_type": SurveyType.CSAT,
                    "total": row["csat_total"],
                    "satisfied": row["satisfied"],
                }
            )
    return deliveries, answers


def _assemble(deliveries: list[dict], answers: list[dict]) -> LatenessImpact:

    reasons = dict(DelayReason.choices)
    table: dict[tuple, Impact] = {}

    def impacts(row):
        late = not row["on_time"]
        keys = [("on_time" if row["on_time"] else "late",)]
        if late:
            keys += [("notified" if row["notified"] else "not_notified",), ("reason", row["delay_reason"])]
        keys.append(("carrier", row["carrier"] or "—", late))
        return [table.setdefault(key, Impact(label=_label(key, reasons), key=_key(key))) for key in keys]

    for row in deliveries:
        for impact in impacts(row):
            impact.deliveries += row["n"]
            impact.repeat = Share(impact.repeat.part + row["repeat"], impact.repeat.whole + row["n"])
    for row in answers:
        for impact in impacts(row):
            counts = impact.nps_counts if row["survey_type"] == SurveyType.NPS else impact.csat_counts
            counts["total"] += row["total"]
            keys = ("promoters", "detractors") if row["survey_type"] == SurveyType.NPS else ("satisfied",)
            for key in keys:
                counts[key] += row[key]

    def get(*key):
        return table.get(key) or Impact(label=_label(key, reasons), key=_key(key))

    carriers = sorted({key[1] for key in table if key[0] == "carrier"})
    return LatenessImpact(
        on_time=get("on_time"),
        late=get("late"),
        notified=get("notified"),
        not_notified=get("not_notified"),
        by_reason=sorted((v for k, v in table.items() if k[0] == "reason"), key=lambda i: -i.deliveries),
        by_carrier=[(get("carrier", c, False), get("carrier", c, True)) for c in carriers],
    )


def _key(key: tuple) -> str:
    return key[1] if len(key) > 1 else key[0]


def _label(key: tuple, reasons: dict) -> str:
    from django.utils.translation import gettext as _

    names = {
        "on_time": _("On time"),
        "late": _("Late"),
        "notified": _("Late, told before the promised date"),
        "not_notified": _("Late, not told in time"),
    }
    if key[0] == "reason":
        return str(reasons.get(key[1], _("No reason given")))
    if key[0] == "carrier":
        return key[1]
    return names[key[0]]

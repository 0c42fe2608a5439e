"""Purchase metrics: repeat-purchase rate, cohort retention, RFM segments, lifecycle stages.

A sale belongs to the chosen channel when it was made there, to the chosen category when one of
its lines is of that category; a customer's purchases are their sales that match.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Count, DateField, F, Min, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from reports import rollups
from reports.metrics.satisfaction import Share
from reports.metrics.scope import Scope, add_months, bucket_date
from reports.rollup_models import CohortDay, CustomerRfm, RfmAsOf, SaleSpan

# --- Repeat purchase ---------------------------------------------------------------------------


def repeat_purchase_rate(scope: Scope | None = None) -> float | Share | None:
    """Repeat-purchase rate = customers with 2 or more sales / customers with 1 or more sales,
    counting the sales made within the period.

    One query.

    Without a scope (the old call), over all sales ever, as a fraction (None when no sales)."""
    if scope is None:
        share = _repeat(Scope(dt.date.min, dt.date.max).sales())
        return share.part / share.whole if share.whole else None
    if rollups.usable(scope):
        first = Q(prev_day__isnull=True) | Q(prev_day__lt=scope.start)
        row = _spans(scope).aggregate(
            whole=Count("day", filter=first), part=Count("day", filter=first & Q(next_day__lt=scope.end))
        )
        return Share(**row)
    return _repeat(scope.sales().filter(ordered_at__gte=scope.since, ordered_at__lt=scope.until))


def _repeat(sales) -> Share:
    row = (
        sales.values("customer_id")
        .annotate(n=Count("pk"))
        .aggregate(whole=Count("customer_id"), part=Count("customer_id", filter=Q(n__gte=2)))
    )
    return Share(part=row["part"], whole=row["whole"])


def repeat_purchase_trend(scope: Scope) -> list[tuple[dt.date, Share]]:
    """Repeat-purchase rate within each week or month of the period. One query."""
    if rollups.usable(scope):
        return _repeat_trend_rolled(scope)
    rows: dict[dt.date, list[int]] = {}
    per_customer = (
        scope.sales()
        .filter(ordered_at__gte=scope.since, ordered_at__lt=scope.until)
        .annotate(bucket=scope.bucket("ordered_at"))
        .values("bucket", "customer_id")
        .annotate(n=Count("pk"))
        .values_list("bucket", "n")
    )
    for bucket, n in per_customer:
        counts = rows.setdefault(bucket_date(bucket), [0, 0])
        counts[0] += n >= 2
        counts[1] += 1
    return [(day, Share(*rows.get(day, (0, 0)))) for day in scope.buckets()]


def _spans(scope: Scope):
    # Counted by "day", not the id: the covering index then answers without the table.
    return SaleSpan.objects.filter(
        channel=scope.channel, category=scope.category, day__gte=scope.start, day__lt=scope.end
    )


def _repeat_trend_rolled(scope: Scope) -> list[tuple[dt.date, Share]]:
    """The trend from the sale spans: each bucket cut to the period, as the live query cuts it."""
    bucket = "week" if scope.weekly else "month"
    start, end = Value(scope.start, DateField()), Value(scope.end, DateField())
    first = Q(prev_day__isnull=True) | Q(prev_day__lt=F("lo"))
    rows = (
        _spans(scope)
        .annotate(
            lo=Case(When(**{f"{bucket}__gt": scope.start}, then=F(bucket)), default=start),
            hi=Case(When(**{f"{bucket}_end__lt": scope.end}, then=F(f"{bucket}_end")), default=end),
        )
        .values(bucket)
        .annotate(whole=Count("day", filter=first), part=Count("day", filter=first & Q(next_day__lt=F("hi"))))
        .order_by()
    )
    shares = {row[bucket]: Share(row["part"], row["whole"]) for row in rows}
    return [(day, shares.get(day, Share(0, 0))) for day in scope.buckets()]


# --- Cohorts -----------------------------------------------------------------------------------

COHORT_MONTHS = 12  # cohorts shown: the first-purchase months of the year up to the period's end


@dataclass
class Cohort:
    month: dt.date
    size: int
    retained: list[int | None]  # customers buying in month k; None: month k is still to come
    complete: int = 0  # months k = 0, 1, … that ended by the period's end

    @property
    def rates(self) -> list[float | None]:
        return [None if n is None else round(100 * n / self.size, 1) for n in self.retained]


@dataclass
class CohortTable:
    cohorts: list[Cohort] = field(default_factory=list)

    @property
    def months(self) -> range:
        return range(COHORT_MONTHS)

    @property
    def value(self) -> float | None:
        """Month-1 retention of the cohorts whose month 1 is over: customers buying again in the
        month after their first, over those cohorts' customers."""
        ready = [c for c in self.cohorts if c.complete >= 2]
        size = sum(c.size for c in ready)
        return round(100 * sum(c.retained[1] for c in ready) / size, 1) if size else None

    @property
    def count(self) -> int:
        return sum(c.size for c in self.cohorts)


def cohort_retention(scope: Scope) -> CohortTable:
    """Cohort retention: cell (c, k) = customers whose first purchase was in month c and who
    bought at least once in month c + k, divided by the size of cohort c (k = 0 is 100%).
    Cohorts are the 12 first-purchase months up to the period's end; months after the period's
    end are left blank, the month it ends in counts as far as it went. The headline figure is
    month-1 retention over the cohorts whose month 1 is over.

    One query."""
    last = scope.end - dt.timedelta(days=1)
    first_month = add_months(last.replace(day=1), 1 - COHORT_MONTHS)
    if rollups.usable(scope):
        rows = (
            CohortDay.objects.filter(
                channel=scope.channel, category=scope.category, cohort__gte=first_month, day__lt=scope.end
            )
            .values("cohort", "month")
            .annotate(n=Sum("buyers"))
            .order_by()
        )
        return _cohort_table(scope, first_month, rows)
    tz = timezone.get_current_timezone()
    sales = scope.sales()
    first_purchase = (
        sales.filter(customer_id=OuterRef("customer_id"))
        .order_by()
        .values("customer_id")
        .annotate(first=Min("ordered_at"))
        .values("first")
    )
    since = timezone.make_aware(dt.datetime.combine(first_month, dt.time.min))
    rows = (
        sales.filter(ordered_at__gte=since, ordered_at__lt=scope.until)
        .annotate(first=Subquery(first_purchase))
        .filter(first__gte=since)
        .annotate(cohort=TruncMonth("first", tzinfo=tz), month=TruncMonth("ordered_at", tzinfo=tz))
        .values("cohort", "month")
        .annotate(n=Count("customer_id", distinct=True))
    )
    return _cohort_table(scope, first_month, rows)


def _cohort_table(scope: Scope, first_month: dt.date, rows) -> "CohortTable":
    cells: dict[dt.date, dict[int, int]] = {}
    for row in rows:
        cohort, month = bucket_date(row["cohort"]), bucket_date(row["month"])
        k = (month.year - cohort.year) * 12 + month.month - cohort.month
        cells.setdefault(cohort, {})[k] = row["n"]
    table = CohortTable()
    for i in range(COHORT_MONTHS):
        month = add_months(first_month, i)
        if month not in cells:
            continue
        ready = COHORT_MONTHS - i  # months from the cohort's to the period's end, included
        complete = sum(add_months(month, k + 1) <= scope.end for k in range(ready))
        table.cohorts.append(
            Cohort(
                month=month,
                size=cells[month].get(0, 0),
                complete=complete,
                retained=[cells[month].get(k, 0) if k < ready else None for k in range(COHORT_MONTHS)],
            )
        )
    return table


CENT = Decimal("0.01")

# --- RFM ---------------------------------------------------------------------------------------

# First match wins; every (R, F, M) lands in one (see test_metrics_purchases).
SEGMENTS = [
    ("champions", _("Champions"), (4, 5), (4, 5), (4, 5)),
    ("loyal", _("Loyal"), (3, 5), (3, 5), (3, 5)),
    ("cant_lose", _("Can't lose them"), (1, 1), (4, 5), (4, 5)),
    ("at_risk", _("At risk"), (1, 2), (3, 5), (3, 5)),
    ("new", _("New"), (4, 5), (1, 1), (1, 5)),
    ("promising", _("Promising"), (3, 3), (1, 1), (1, 5)),
    ("potential", _("Potential loyalist"), (4, 5), (1, 5), (1, 5)),
    ("need_attention", _("Need attention"), (3, 3), (1, 5), (1, 5)),
    ("about_to_sleep", _("About to sleep"), (2, 2), (1, 5), (1, 5)),
    ("hibernating", _("Hibernating"), (1, 1), (2, 5), (1, 5)),
    ("lost", _("Lost"), (1, 1), (1, 1), (1, 5)),
]
SEGMENT_NAMES = {key: name for key, name, *_ranges in SEGMENTS}


def segment_of(r: int, f: int, m: int) -> str:
    for key, _name, (r0, r1), (f0, f1), (m0, m1) in SEGMENTS:
        if r0 <= r <= r1 and f0 <= f <= f1 and m0 <= m <= m1:
            return key
    raise ValueError(f"no segment for {r}{f}{m}")


@dataclass
class Segment:
    key: str
    name: str
    customers: int = 0
    value: Decimal = Decimal(0)


@dataclass
class RfmTable:
    segments: list[Segment]

    @property
    def count(self) -> int:
        return sum(s.customers for s in self.segments)

    @property
    def value(self) -> dict[str, int]:
        return {s.key: s.customers for s in self.segments}


def rfm_score_sql(column: str, partition: str = "") -> str:
    """The 1-5 score of a column by quintile of percent rank (the rollup partitions by filter)."""
    # PERCENT_RANK keeps ties together (every one-time buyer gets the same F); CASE rather than
    # a cast, which truncates on SQLite but rounds on PostgreSQL.
    rank = f"PERCENT_RANK() OVER ({partition}ORDER BY {column})"
    return (
        f"CASE WHEN {rank} >= 0.8 THEN 5 WHEN {rank} >= 0.6 THEN 4 "
        f"WHEN {rank} >= 0.4 THEN 3 WHEN {rank} >= 0.2 THEN 2 ELSE 1 END"
    )


def _rfm_sql(scope: Scope) -> tuple[str, list]:
    sales = (
        scope.sales()
        .filter(ordered_at__lt=scope.until)
        .order_by()
        .values("customer_id", "ordered_at", "total")
    )
    inner, params = sales.query.sql_with_params()
    # Only our own SQL text is pasted together; every value travels as a parameter. The sum is
    # rounded to the cent: SQLite adds decimals as floats, and two equal sums added in another
    # order must still tie in the ranks.
    per_customer = (
        "SELECT customer_id, MAX(ordered_at) AS last_at, COUNT(*) AS n, "  # noqa: S608
        f"ROUND(SUM(total), 2) AS amount FROM ({inner}) U GROUP BY customer_id"
    )
    scored = (
        f"SELECT customer_id, amount, {rfm_score_sql('last_at')} AS r, {rfm_score_sql('n')} AS f, "  # noqa: S608
        f"{rfm_score_sql('amount')} AS m FROM ({per_customer}) C"
    )
    return scored, list(params)


def _rfm_rolled(scope: Scope) -> bool:
    """The rollup's scores are those of all sales; exact for a period ending after the last."""
    state = rollups.usable(scope)
    return state is not None and (state.last_sale_at is None or state.last_sale_at < scope.until)


def _rfm_kept_as_of(scope: Scope) -> bool:
    state = rollups.usable(scope)
    return state is not None and scope.end.isoformat() in (state.rfm_as_of or [])


def rfm_segments(scope: Scope) -> RfmTable:
    """RFM, as of the period's end over all the customer's sales before it: recency (latest
    purchase), frequency (number of sales) and monetary value (sum of the sales' totals), each
    scored 1-5 by quintile of the customers' percent rank (5 best; equal values share a score),
    then named by the first rule their scores match (the table lists the rules).

    One query, grouped by the 125 score triples at most: from the rollups for a period ending
    after the last sale (today's scores) or on a day they keep RFM as of (the presets' previous
    periods), else live."""
    if _rfm_rolled(scope):
        triples = (
            CustomerRfm.objects.filter(channel=scope.channel, category=scope.category)
            .values_list("r", "f", "m")
            .annotate(customers=Count("r"), amount=Sum("amount"))  # "r": the index answers
            .order_by()
        )
    elif _rfm_kept_as_of(scope):
        triples = RfmAsOf.objects.filter(
            as_of=scope.end, channel=scope.channel, category=scope.category
        ).values_list("r", "f", "m", "customers", "amount")
    else:
        scored, params = _rfm_sql(scope)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT r, f, m, COUNT(*), SUM(amount) FROM ({scored}) S GROUP BY r, f, m",  # noqa: S608
                params,
            )
            triples = cursor.fetchall()
    segments = {key: Segment(key, name) for key, name, *_ranges in SEGMENTS}
    for r, f, m, customers, amount in triples:
        segment = segments[segment_of(r, f, m)]
        segment.customers += customers
        # Sums of money to the cent: SQLite adds decimals as floats (7411.2099999…).
        segment.value += Decimal(str(amount or 0)).quantize(CENT)
    return RfmTable(segments=list(segments.values()))


def rfm_customer_ids(scope: Scope, segment: str) -> list[int]:
    """The customers in one RFM segment (as rfm_segments() scores them), most valuable first."""
    triples = [
        r * 100 + f * 10 + m
        for r in range(1, 6)
        for f in range(1, 6)
        for m in range(1, 6)
        if segment_of(r, f, m) == segment
    ]
    if _rfm_rolled(scope):
        return list(
            CustomerRfm.objects.filter(channel=scope.channel, category=scope.category)
            .annotate(code=F("r") * 100 + F("f") * 10 + F("m"))
            .filter(code__in=triples)
            .order_by("-amount", "customer_id")
            .values_list("customer_id", flat=True)
        )
    scored, params = _rfm_sql(scope)
    marks = ", ".join(["%s"] * len(triples))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT customer_id FROM ({scored}) S WHERE r * 100 + f * 10 + m IN ({marks}) "  # noqa: S608
            "ORDER BY amount DESC, customer_id",
            [*params, *triples],
        )
        return [row[0] for row in cursor.fetchall()]


# --- Lifecycle ---------------------------------------------------------------------------------


def customers_by_stage() -> dict[str, int]:
    """How many customers are in each lifecycle stage (today; stages have no history)."""
    state = rollups.usable()
    if state is not None:
        return dict(state.stages)
    rows = Customer.objects.values_list("lifecycle_stage").annotate(n=Count("id"))
    return dict(rows)

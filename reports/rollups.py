"""Rollups: the dashboard's slow aggregates summed ahead, rebuilt whole by beat.

Why a whole rebuild rather than rows kept up to date event by event: a number here moves for many
reasons that are not one event on one row (a delivery turns late by the calendar alone; a later
sale changes "bought again" of every earlier order, a customer's first purchase and their RFM
scores; an ESP webhook, a bulk import or a queryset .update() touches rows without a signal), so
an incremental copy has many ways to drift silently, and a dirty-days marker would have to be set
on every one of those paths. A rebuild is the definitions themselves run over the whole history
(the same querysets the live metrics use, grouped by day instead of filtered by period), so its
numbers are the live numbers as of its start, by construction; it takes about 30 s per 100,000
sales and runs in one transaction, so pages read the previous rows until it commits.

The metrics read the rollups when a rebuild exists (and settings.REPORTS_ROLLUPS is on), and say
"as of" its time; without one (a new install before beat's first run) they compute live.
"""

import contextlib
import contextvars
import datetime as dt
import time

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from reports.rollup_models import (
    AnswerDay,
    CohortDay,
    CustomerRfm,
    DeliveryDay,
    InvitationDay,
    MessageDay,
    RecoveryDay,
    RfmAsOf,
    RollupState,
    SaleSpan,
)

_UNSET = object()
_pinned: contextvars.ContextVar = contextvars.ContextVar("rollups_pinned", default=_UNSET)
_forced_live: contextvars.ContextVar = contextvars.ContextVar("rollups_live", default=False)


def state() -> RollupState | None:
    """The last rebuild (the one pinned for this page, if any), or None."""
    pinned = _pinned.get()
    if pinned is not _UNSET:
        return pinned
    return RollupState.objects.filter(pk=1).first()


def usable(scope=None) -> RollupState | None:
    """The rebuild the metrics read from, or None when they compute live (also for a period
    bounded by exact instants rather than days, which day facts cannot cut)."""
    if _forced_live.get() or not getattr(settings, "REPORTS_ROLLUPS", True):
        return None
    if scope is not None and (isinstance(scope.start, dt.datetime) or isinstance(scope.end, dt.datetime)):
        return None
    return state()


@contextlib.contextmanager
def pinned():
    """Read the rollups' state once for a whole page (one query, one "as of")."""
    token = _pinned.set(None if _forced_live.get() else RollupState.objects.filter(pk=1).first())
    try:
        yield _pinned.get()
    finally:
        _pinned.reset(token)


@contextlib.contextmanager
def live():
    """Compute every metric from the shop's tables, whatever rollups exist (tests, checks)."""
    token = _forced_live.set(True)
    try:
        yield
    finally:
        _forced_live.reset(token)


# --- Rebuild -----------------------------------------------------------------------------------

ROLLUP_MODELS = (
    RecoveryDay,
    CohortDay,
    CustomerRfm,
    RfmAsOf,
    SaleSpan,
    DeliveryDay,
    MessageDay,
    AnswerDay,
    InvitationDay,
)


def rfm_as_of_days(today: dt.date) -> list[dt.date]:
    """The days RFM is kept as of: where the preset periods' previous periods end (the presets
    end tomorrow: reports.forms.default_scope, reports.snapshots.PRESET_DAYS)."""
    from reports.snapshots import PRESET_DAYS

    end = today + dt.timedelta(days=1)
    return sorted({end - dt.timedelta(days=days) for days in PRESET_DAYS})


def rebuild(*, rfm_as_of: list[dt.date] | None = None) -> RollupState:
    """Recompute every rollup from the shop's tables, in one transaction. Returns its state.
    `rfm_as_of`: the days to keep RFM as of (default: the presets' previous periods)."""
    from customers.models import Sale
    from reports.metrics.purchases import customers_by_stage

    began, now = time.monotonic(), timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The rebuild's sorts and window functions run over millions of rows: in memory
            # rather than spilled to disk (RFM as of four days at 1M customers: 214 s, not 330).
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('work_mem', %s, true)",
                    [getattr(settings, "REPORTS_ROLLUP_WORK_MEM", "256MB")],
                )
        before = RollupState.objects.filter(pk=1).first()
        for model in ROLLUP_MODELS:
            if model is not RfmAsOf:  # kept per day while its sales are unchanged (below)
                model.objects.all().delete()
        last_sale = Sale.objects.aggregate(last=Max("ordered_at"))["last"]
        with live():
            stages = customers_by_stage()
        _purchases()
        as_of = rfm_as_of_days(timezone.localdate(now)) if rfm_as_of is None else sorted(set(rfm_as_of))
        kept_as_of = _rfm_as_of_refresh(as_of, before.rfm_as_of if before else {})
        for by_category in (False, True):
            _deliveries(by_category)
            _messages(by_category)
        for category in ["", *_categories()]:
            _answers(category)
            _recovery(category)
            _invitations(category)
        row, _created = RollupState.objects.update_or_create(
            pk=1,
            defaults={
                "built_at": now,
                "seconds": time.monotonic() - began,
                "last_sale_at": last_sale,
                "stages": stages,
                "rfm_as_of": kept_as_of,
            },
        )
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Fresh rows: statistics for the planner, and the visibility map so the covering
        # indexes answer without the table (a 30-day SaleSpan read: 10 ms instead of 200).
        with connection.cursor() as cursor:
            for model in ROLLUP_MODELS:
                cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")
    return row


def _categories() -> list[str]:
    from customers.models import SaleLine

    return sorted(set(SaleLine.objects.exclude(category="").values_list("category", flat=True).distinct()))


def _scope(category: str):
    from reports.metrics.scope import Scope

    return Scope(dt.date(1900, 1, 1), dt.date(9000, 1, 1), category=category)


def _save(model, rows: list[dict]) -> None:
    model.objects.bulk_create([model(**row) for row in rows], batch_size=2000)


def _local_day(column: str) -> tuple[str, tuple]:
    return connection.ops.datetime_cast_date_sql(column, (), timezone.get_current_timezone_name())


def _month(sql: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(DATE_TRUNC('month', {sql}) AS date)"
    return f"date({sql}, 'start of month')"


def _week(sql: str, end: bool = False) -> str:
    """The Monday on or before a date (or the Monday after, for the week's end)."""
    if connection.vendor == "postgresql":
        return f"CAST({sql} - CAST(EXTRACT(ISODOW FROM {sql}) AS integer) + {8 if end else 1} AS date)"
    extra = ", '+7 days'" if end else ""
    return f"date({sql}, '-6 days', 'weekday 1'{extra})"


def _month_end(sql: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(DATE_TRUNC('month', {sql}) + INTERVAL '1 month' AS date)"
    return f"date({sql}, 'start of month', '+1 month')"


def _keyed_sales() -> str:
    """Every sale once per (channel, category) filter it matches: ("", "") all sales; (channel,
    "") its channel; ("", c) and (channel, c) once per distinct category c of its lines."""
    from customers.models import Sale, SaleLine

    sale, line = Sale._meta.db_table, SaleLine._meta.db_table
    lines = f"(SELECT DISTINCT sale_id, category FROM {line} WHERE category <> '')"  # noqa: S608
    return (
        f"SELECT id, customer_id, '' AS channel, '' AS category, ordered_at, total FROM {sale} "  # noqa: S608
        f"UNION ALL SELECT id, customer_id, channel, '', ordered_at, total FROM {sale} WHERE channel <> '' "
        f"UNION ALL SELECT s.id, s.customer_id, '', l.category, s.ordered_at, s.total FROM {sale} s "
        f"JOIN {lines} l ON l.sale_id = s.id "
        f"UNION ALL SELECT s.id, s.customer_id, s.channel, l.category, s.ordered_at, s.total FROM {sale} s "
        f"JOIN {lines} l ON l.sale_id = s.id WHERE s.channel <> ''"
    )


def _purchases() -> None:
    """Cohort days and per-customer RFM, for every filter, in two statements."""
    from reports.metrics.purchases import rfm_score_sql

    keyed = _keyed_sales()
    day, day_params = _local_day("ordered_at")
    cohort, rfm = CohortDay._meta.db_table, CustomerRfm._meta.db_table
    # Only our own SQL text is pasted together; the time zone travels as a parameter.
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH s AS (SELECT customer_id, channel, category, {day} AS day FROM ({keyed}) U), "  # noqa: S608
            "f AS (SELECT customer_id, channel, category, MIN(day) AS first_day FROM s "
            "GROUP BY customer_id, channel, category), "
            f"m AS (SELECT customer_id, channel, category, {_month('day')} AS month, MIN(day) AS day "
            f"FROM s GROUP BY customer_id, channel, category, {_month('day')}) "
            f"INSERT INTO {cohort} (channel, category, cohort, month, day, buyers) "
            f"SELECT m.channel, m.category, {_month('f.first_day')}, m.month, m.day, COUNT(*) FROM m "
            "JOIN f ON f.customer_id = m.customer_id AND f.channel = m.channel AND f.category = m.category "
            f"GROUP BY m.channel, m.category, {_month('f.first_day')}, m.month, m.day",
            list(day_params),
        )
        per_customer = (
            "SELECT customer_id, channel, category, MAX(ordered_at) AS last_at, COUNT(*) AS n, "  # noqa: S608
            f"ROUND(SUM(total), 2) AS amount FROM ({keyed}) U GROUP BY customer_id, channel, category"
        )
        cursor.execute(
            f"INSERT INTO {SaleSpan._meta.db_table} "  # noqa: S608
            "(channel, category, day, prev_day, next_day, week, week_end, month, month_end) "
            "SELECT channel, category, day, LAG(day) OVER w, LEAD(day) OVER w, "
            f"{_week('day')}, {_week('day', end=True)}, {_month('day')}, {_month_end('day')} "
            f"FROM (SELECT id, customer_id, channel, category, ordered_at, {day} AS day FROM ({keyed}) U) D "
            "WINDOW w AS (PARTITION BY customer_id, channel, category ORDER BY ordered_at, id)",
            list(day_params),
        )
        partition = "PARTITION BY channel, category "
        cursor.execute(
            f"INSERT INTO {rfm} (customer_id, channel, category, last_at, n, amount, r, f, m) "  # noqa: S608
            "SELECT customer_id, channel, category, last_at, n, amount, "
            f"{rfm_score_sql('last_at', partition)}, {rfm_score_sql('n', partition)}, "
            f"{rfm_score_sql('amount', partition)} FROM ({per_customer}) C"
        )


def _sales_fingerprint(day: dt.date) -> str:
    """What RFM as of `day` is computed from, in a few numbers: the sales before the day (how
    many, their total, the highest id). A sale added, removed or repriced before it changes them."""
    from customers.models import Sale
    from reports.metrics.scope import Scope

    found = Sale.objects.filter(ordered_at__lt=Scope(day, day).since).aggregate(
        n=Count("pk"), total=Coalesce(Sum("total"), Value(0, output_field=DecimalField())), last=Max("pk")
    )
    return f"{found['n']}:{found['total']:.2f}:{found['last'] or 0}"


def _rfm_as_of_refresh(days: list[dt.date], before) -> dict[str, str]:
    """RFM as of each day, computed once and kept while the sales before that day are unchanged
    (a past day's RFM costs as much as today's: at a million customers a minute or more, so it is
    worth computing once a day rather than every rebuild). Returns {day: fingerprint}."""
    before = before if isinstance(before, dict) else {}
    wanted = {day.isoformat(): _sales_fingerprint(day) for day in days}
    kept = {day for day, fingerprint in wanted.items() if before.get(day) == fingerprint}
    RfmAsOf.objects.exclude(as_of__in=[dt.date.fromisoformat(day) for day in kept]).delete()
    _rfm_as_of([dt.date.fromisoformat(day) for day in sorted(set(wanted) - kept)])
    return wanted


def _rfm_as_of(days: list[dt.date]) -> None:
    """RFM as of each day's start, per filter, summed per score triple: one statement for all
    the days (each sale counted once for every day it precedes)."""
    from reports.metrics.purchases import rfm_score_sql
    from reports.metrics.scope import Scope

    if not days:
        return
    ops = connection.ops
    values = ", ".join(["(%s, %s)"] * len(days))
    params = []
    for day in days:
        params += [ops.adapt_datefield_value(day), ops.adapt_datetimefield_value(Scope(day, day).since)]
    partition = "PARTITION BY as_of, channel, category "
    per_customer = (
        "SELECT d.as_of, customer_id, channel, category, MAX(ordered_at) AS last_at, COUNT(*) AS n, "  # noqa: S608
        f"ROUND(SUM(total), 2) AS amount FROM ({_keyed_sales()}) U JOIN d ON U.ordered_at < d.until "
        "GROUP BY d.as_of, customer_id, channel, category"
    )
    scored = (
        f"SELECT as_of, channel, category, amount, {rfm_score_sql('last_at', partition)} AS r, "  # noqa: S608
        f"{rfm_score_sql('n', partition)} AS f, {rfm_score_sql('amount', partition)} AS m "
        f"FROM ({per_customer}) C"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH d (as_of, until) AS (VALUES {values}) "  # noqa: S608
            f"INSERT INTO {RfmAsOf._meta.db_table} (as_of, channel, category, r, f, m, customers, amount) "
            f"SELECT as_of, channel, category, r, f, m, COUNT(*), SUM(amount) FROM ({scored}) S "
            "GROUP BY as_of, channel, category, r, f, m",
            params,
        )


def _counts(by_category: bool, **filters) -> dict:
    """Count(pk) per filter; distinct when rows are repeated once per sale line."""
    return {name: Count("pk", filter=condition, distinct=by_category) for name, condition in filters.items()}


def _by_category(rows, by_category: bool):
    """The rows of one pass: all with category "" (every sale once), or one per line category
    (rows of no sale, or of a line without a category, left out)."""
    for row in rows:
        if not by_category:
            yield {**row, "category": ""}
        elif row["category"]:
            yield row


def _deliveries(by_category: bool) -> None:
    """Per promised day, carrier, reason and outcome: deliveries, repeat buyers, and answers.
    One pass over deliveries (and their answers) for every sale, one per line category."""
    from reports.metrics.delivery import annotated_deliveries, bought_again
    from surveys.definitions import CSAT, NPS, SurveyType
    from surveys.models import Answer

    keys = ("day", "channel", "category", "carrier", "delay_reason", "delivered", "on_time", "notified")
    category = F("sale__lines__category") if by_category else Value("")
    deliveries = (
        annotated_deliveries()
        .filter(promised_date__isnull=False)
        .annotate(
            day=F("promised_date"),
            channel=F("sale__channel"),
            category=category,
            delivered=ExpressionWrapper(Q(delivered_at__isnull=False), output_field=BooleanField()),
            again=bought_again(),
        )
        .values(*keys)
        .annotate(**_counts(by_category, n=None, repeat=Q(again=True)))
        .order_by()
    )
    rows: dict[tuple, dict] = {}
    for row in _by_category(deliveries, by_category):
        key = tuple(row[k] for k in keys)
        rows[key] = {**dict(zip(keys, key, strict=True)), "n": row["n"], "repeat": row["repeat"]}
    of_sale = annotated_deliveries().filter(sale_id=OuterRef("invitation__sale_id"))
    answers = (
        Answer.objects.filter(flagged=False, survey_type__in=[SurveyType.NPS, SurveyType.CSAT])
        .filter(invitation__sale__delivery__promised_date__isnull=False)
        .annotate(
            day=F("invitation__sale__delivery__promised_date"),
            channel=F("invitation__sale__channel"),
            category=F("invitation__sale__lines__category") if by_category else Value(""),
            carrier=F("invitation__sale__delivery__carrier"),
            delay_reason=F("invitation__sale__delivery__delay_reason"),
            delivered=ExpressionWrapper(
                Q(invitation__sale__delivery__delivered_at__isnull=False), output_field=BooleanField()
            ),
            on_time=Exists(of_sale.filter(on_time=True)),
            notified=Exists(of_sale.filter(notified=True)),
        )
        .values("survey_type", *keys)
        .annotate(
            **_counts(
                by_category,
                total=None,
                promoters=Q(score__gte=NPS.promoter_min),
                detractors=Q(score__lte=NPS.detractor_max),
                satisfied=Q(score__gte=CSAT.promoter_min),
            )
        )
        .order_by()
    )
    for row in _by_category(answers, by_category):
        key = tuple(row[k] for k in keys)
        fact = rows.setdefault(key, {**dict(zip(keys, key, strict=True)), "n": 0, "repeat": 0})
        if row["survey_type"] == SurveyType.NPS:
            fact.update(
                nps_total=row["total"], nps_promoters=row["promoters"], nps_detractors=row["detractors"]
            )
        else:
            fact.update(csat_total=row["total"], csat_satisfied=row["satisfied"])
    _save(DeliveryDay, list(rows.values()))


def _messages(by_category: bool) -> None:
    """Per created day, kind, state and reason: messages and the steps they reached."""
    from followups.models import STAFF_KINDS, Message, MessageEvent
    from reports.metrics.messages import EVENT_STEPS

    tz = timezone.get_current_timezone()
    flags = {
        f"has_{step}": Exists(MessageEvent.objects.filter(message_id=OuterRef("pk"), event=event))
        for event, step in EVENT_STEPS.items()
    }
    rows = (
        Message.objects.exclude(kind__in=STAFF_KINDS)
        .annotate(**flags)
        .values(
            "kind",
            "state",
            "reason",
            day=TruncDate("created_at", tzinfo=tz),
            channel=Coalesce(F("sale__channel"), Value("")),
            line_category=F("sale__lines__category") if by_category else Value(""),
        )
        .annotate(
            **_counts(
                by_category,
                n=None,
                sent=Q(sent_at__isnull=False),
                **{step: Q(**{f"has_{step}": True}) for step in EVENT_STEPS.values()},
            )
        )
        .order_by()
    )
    rows = ({"category": row.pop("line_category"), **row} for row in rows)  # Message has a category
    _save(MessageDay, list(_by_category(rows, by_category)))


def _answer_channel(prefix: str = "invitation__"):
    return Coalesce(F(f"{prefix}sale__channel"), F(f"{prefix}complaint__sale__channel"), Value(""))


def _answers(category: str) -> None:
    from reports.metrics.satisfaction import counted_answers

    scope = _scope(category)
    tz = timezone.get_current_timezone()
    rows = (
        counted_answers(scope)
        .values(
            "survey_type",
            "score",
            "ces_score",
            day=TruncDate("answered_at", tzinfo=tz),
            channel=_answer_channel(),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    _save(AnswerDay, [{**row, "category": category} for row in rows])


def _invitations(category: str) -> None:
    from reports.metrics.satisfaction import RESPONSE_COUNTS, invitations_delivered

    scope = _scope(category)
    tz = timezone.get_current_timezone()
    rows = (
        invitations_delivered(scope)
        .values(day=TruncDate("created_at", tzinfo=tz), channel=_answer_channel(""))
        .annotate(**RESPONSE_COUNTS)
        .order_by()
    )
    _save(
        InvitationDay,
        [
            {
                "day": r["day"],
                "channel": r["channel"],
                "category": category,
                "delivered": r["whole"],
                "answered": r["part"],
            }
            for r in rows
        ],
    )


def _recovery(category: str) -> None:
    from reports.metrics.recovery import RECOVERY_COUNTS, detractors_resolved

    tz = timezone.get_current_timezone()
    rows = (
        detractors_resolved(_scope(category))
        .values(day=TruncDate("answered_at", tzinfo=tz), channel=_answer_channel())
        .annotate(**RECOVERY_COUNTS)
        .order_by()
    )
    _save(RecoveryDay, [{**row, "category": category} for row in rows])

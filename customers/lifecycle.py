"""The lifecycle stage: one definition (`stage_for`), kept current on every event that moves it.

The rules, first match wins (stage_rules() says the same to staff, on the customer page):
- at risk: an unresolved case; or the customer's latest answer was unhappy (a detractor) and
  came after their last purchase;
- new: no purchase yet;
- lost: no purchase for more than 365 days;
- at risk: the purchase model says so (valuable, and unlikely to be still buying), where the shop
  has a model; without one, the last purchase 181-365 days ago;
- loyal: 3 or more purchases, or 2 with a happy latest answer;
- active: 2 purchases;
- new: one purchase.

Sales, answers and cases refresh their customers' stage as they happen (subscribers below, after
the commit); the daily sweep catches what only the passing of time changes.

The rules are written twice, side by side: stage_for for one customer in Python (the pages and
the tests read it) and STAGE_CASE, the same rules in SQL, which the refreshes run so that a batch
of customers is one statement whatever the data (tests/customers/test_lifecycle_sql.py holds the
two equal on every combination of inputs).
"""

import datetime as dt
import re

from django.db import connection
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import events
from customers.choices import UNRESOLVED_STATUSES, Feeling, LifecycleStage
from customers.models import Complaint, Customer, Sale
from postsale.lib.lookups import ids_in

RECENT_DAYS = 180
LOST_DAYS = 365
BATCH = 2000  # customers per statement, for lists of ids
SWEEP_BATCH = 10_000  # ids per statement in the daily sweep


def stage_rules() -> list[tuple[str, str]]:
    """The rules of stage_for, in the reader's language, for the pages that show a stage."""
    return [
        (LifecycleStage.AT_RISK, _("An unresolved case, or an unhappy answer since the last purchase.")),
        (LifecycleStage.NEW, _("No purchase yet.")),
        (LifecycleStage.LOST, _("No purchase for more than %(days)s days.") % {"days": LOST_DAYS}),
        (
            LifecycleStage.AT_RISK,
            _(
                "The purchase model predicts that a valuable customer is "
                "drifting away; without a model, the last purchase %(recent)s "
                "to %(lost)s days ago."
            )
            % {"recent": RECENT_DAYS + 1, "lost": LOST_DAYS},
        ),
        (LifecycleStage.LOYAL, _("3 or more purchases, or 2 and a happy answer.")),
        (LifecycleStage.ACTIVE, _("2 purchases.")),
        (LifecycleStage.NEW, _("One purchase.")),
    ]


def stage_for(
    *,
    sales: int,
    last_sale: dt.datetime | None,
    has_open_case: bool,
    now: dt.datetime,
    feeling: str = "",
    feeling_at: dt.datetime | None = None,
    predicted_at_risk: bool | None = None,
) -> str:
    unhappy_since = (
        feeling == Feeling.UNHAPPY
        and feeling_at is not None
        and (last_sale is None or feeling_at >= last_sale)
    )
    if has_open_case or unhappy_since:
        return LifecycleStage.AT_RISK
    if last_sale is None:
        return LifecycleStage.NEW
    age = now - last_sale
    if age > dt.timedelta(days=LOST_DAYS):
        return LifecycleStage.LOST
    drifting = predicted_at_risk if predicted_at_risk is not None else (age > dt.timedelta(days=RECENT_DAYS))
    if drifting:
        return LifecycleStage.AT_RISK
    if sales >= 3 or (sales == 2 and feeling == Feeling.HAPPY):
        return LifecycleStage.LOYAL
    if sales == 2:
        return LifecycleStage.ACTIVE
    return LifecycleStage.NEW


# The same rules as stage_for, as one SQL CASE over each customer's sale count (n) and last
# sale (last): the refresh computes and stores stages in the database, a batch of customers per
# statement. test_lifecycle_sql.py checks the two against each other on every combination of
# inputs; change them together.
STAGE_CASE = """CASE
    WHEN EXISTS (SELECT 1 FROM {complaint} k WHERE k.customer_id = c.id AND k.status IN ({unresolved}))
      OR (c.feeling = %(unhappy)s AND c.feeling_at IS NOT NULL
          AND (s.last IS NULL OR c.feeling_at >= s.last)) THEN %(at_risk)s
    WHEN s.last IS NULL THEN %(new)s
    WHEN s.last < %(lost_before)s THEN %(lost)s
    WHEN COALESCE(c.predicted_at_risk, s.last < %(recent_before)s) THEN %(at_risk)s
    WHEN s.n >= 3 OR (s.n = 2 AND c.feeling = %(happy)s) THEN %(loyal)s
    WHEN s.n = 2 THEN %(active)s
    ELSE %(new)s
END"""


def _stage_case() -> str:
    unresolved = ", ".join(f"%(unresolved_{i})s" for i in range(len(UNRESOLVED_STATUSES)))
    return STAGE_CASE.format(complaint=Complaint._meta.db_table, unresolved=unresolved)


def _stage_params(now: dt.datetime) -> dict:
    ops = connection.ops
    return {
        **{f"unresolved_{i}": status for i, status in enumerate(UNRESOLVED_STATUSES)},
        "unhappy": Feeling.UNHAPPY,
        "happy": Feeling.HAPPY,
        "lost_before": ops.adapt_datetimefield_value(now - dt.timedelta(days=LOST_DAYS)),
        "recent_before": ops.adapt_datetimefield_value(now - dt.timedelta(days=RECENT_DAYS)),
        **{stage.name.lower(): stage.value for stage in LifecycleStage},
    }


def stage_case(now: dt.datetime) -> tuple[str, list]:
    """STAGE_CASE with positional placeholders and their values, for SQL of other modules (the
    CSV import gives its new customers their stage as it inserts them). It reads `c.id`,
    `c.feeling`, `c.feeling_at`, `c.predicted_at_risk`, `s.n` and `s.last`."""
    named, params = _stage_params(now), []

    def positional(match: re.Match) -> str:
        params.append(named[match.group(1)])
        return "%s"

    return re.sub(r"%\((\w+)\)s", positional, _stage_case()), params


# One statement: each customer's stage computed from one grouped pass over their sales (an
# index range scan of sale_customer_ordered_idx), only the changed rows written. Standard SQL
# that PostgreSQL and SQLite (3.33+, UPDATE ... FROM) both run.
REFRESH_SQL = """UPDATE {customer} SET lifecycle_stage = fresh.stage
FROM (
    SELECT c.id, {stage} AS stage
    FROM {customer} c
    LEFT JOIN (
        SELECT customer_id, COUNT(*) AS n, MAX(ordered_at) AS last
        FROM {sale} WHERE {in_sales} GROUP BY customer_id
    ) s ON s.customer_id = c.id
    WHERE {in_customers}
) fresh
WHERE {in_target} AND {customer}.id = fresh.id AND {customer}.lifecycle_stage <> fresh.stage"""


def _refresh(condition: str, params: dict, now: dt.datetime | None = None) -> int:
    """Run REFRESH_SQL for the customers whose id meets `condition` ("{id} ..."), which goes
    on each table so that every scan is an index range scan."""
    customer = Customer._meta.db_table
    sql = REFRESH_SQL.format(
        customer=customer,
        sale=Sale._meta.db_table,
        in_sales=condition.format(id="customer_id"),
        in_customers=condition.format(id="c.id"),
        in_target=condition.format(id=f"{customer}.id"),
        stage=_stage_case(),
    )
    params = {**params, **_stage_params(now or timezone.now())}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def lifecycle_refresh(customer_ids: list[int]) -> int:
    """Recompute the stage of these customers; returns how many changed.

    One statement, whatever the number of customers (callers batch them: BATCH).
    """
    ids = [int(pk) for pk in customer_ids]
    if not ids:
        return 0
    if connection.vendor == "postgresql":
        return _refresh("{id} = ANY(%(ids)s)", {"ids": ids})
    params = {f"id_{i}": pk for i, pk in enumerate(ids)}
    listed = ", ".join(f"%({key})s" for key in params)
    return _refresh(f"{{id}} IN ({listed})", params)


def lifecycle_refresh_range(first_id: int, last_id: int, *, now: dt.datetime | None = None) -> int:
    """Recompute the stage of the customers whose id is in [first_id, last_id]; one statement."""
    return _refresh("{id} BETWEEN %(first)s AND %(last)s", {"first": first_id, "last": last_id}, now)


def sweep_ranges(batch: int = SWEEP_BATCH) -> list[tuple[int, int]]:
    """The id ranges of the daily sweep: [lo, hi] spans of `batch` ids over all customers."""
    bounds = Customer.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return []
    return [(lo, min(lo + batch - 1, bounds["hi"])) for lo in range(bounds["lo"], bounds["hi"] + 1, batch)]


def lifecycle_sweep(batch: int = SWEEP_BATCH, *, now: dt.datetime | None = None) -> int:
    """Every customer's stage, range after range (what the daily beat task's tasks do between
    them); returns how many changed. One statement per range, plus one to find the ranges."""
    return sum(lifecycle_refresh_range(lo, hi, now=now) for lo, hi in sweep_ranges(batch))


def lifecycle_refresh_many(customer_ids) -> int:
    ids, changed = list(dict.fromkeys(customer_ids)), 0
    for start in range(0, len(ids), BATCH):
        changed += lifecycle_refresh(ids[start : start + BATCH])
    return changed


def on_sales(*, sale_ids: list[int]) -> None:
    lifecycle_refresh_many(Sale.objects.filter(ids_in("pk", sale_ids)).values_list("customer_id", flat=True))


def on_complaints(*, complaint_ids: list[int]) -> None:
    lifecycle_refresh_many(
        Complaint.objects.filter(pk__in=complaint_ids).values_list("customer_id", flat=True)
    )


def on_feelings(*, customer_ids: list[int]) -> None:
    """A customer's answers, prediction or sales changed (SALES_MOVED: a sale went to another
    customer or its order time moved, which counts for both owners)."""
    lifecycle_refresh_many(customer_ids)


def subscribe_all() -> None:
    events.subscribe(events.SALE_RECORDED, on_sales)
    for event in (events.COMPLAINT_OPENED, events.COMPLAINT_RESOLVED, events.COMPLAINT_REOPENED):
        events.subscribe(event, on_complaints)
    events.subscribe(events.FEELING_RECORDED, on_feelings)
    events.subscribe(events.PREDICTION_CHANGED, on_feelings)
    events.subscribe(events.SALES_MOVED, on_feelings)

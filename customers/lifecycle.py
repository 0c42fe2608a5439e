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
"""

import datetime as dt

from django.db.models import Count, Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import events
from customers.choices import Feeling, LifecycleStage
from customers.models import Complaint, Customer, Sale

RECENT_DAYS = 180
LOST_DAYS = 365
BATCH = 2000


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


def lifecycle_refresh(customer_ids: list[int]) -> int:
    """Recompute the stage of these customers; returns how many changed.

    One read, then one UPDATE per stage that gained customers (at most five), whatever the
    number of customers: no per-row statements.
    """
    now = timezone.now()
    open_case = Complaint.objects.unresolved().filter(customer=OuterRef("pk"))
    rows = (
        Customer.objects.filter(pk__in=customer_ids)
        .annotate(n=Count("sales"), last=Max("sales__ordered_at"), case=Exists(open_case))
        .values_list(
            "pk", "lifecycle_stage", "n", "last", "case", "feeling", "feeling_at", "predicted_at_risk"
        )
    )
    moves: dict[str, list[int]] = {}
    for pk, current, n, last, case, feeling, feeling_at, predicted in rows:
        stage = stage_for(
            sales=n,
            last_sale=last,
            has_open_case=case,
            now=now,
            feeling=feeling,
            feeling_at=feeling_at,
            predicted_at_risk=predicted,
        )
        if stage != current:
            moves.setdefault(stage, []).append(pk)
    for stage, ids in moves.items():
        Customer.objects.filter(pk__in=ids).update(lifecycle_stage=stage)
    return sum(len(ids) for ids in moves.values())


def lifecycle_refresh_many(customer_ids) -> int:
    ids, changed = list(dict.fromkeys(customer_ids)), 0
    for start in range(0, len(ids), BATCH):
        changed += lifecycle_refresh(ids[start : start + BATCH])
    return changed


def on_sales(*, sale_ids: list[int]) -> None:
    lifecycle_refresh_many(Sale.objects.filter(pk__in=sale_ids).values_list("customer_id", flat=True))


def on_complaints(*, complaint_ids: list[int]) -> None:
    lifecycle_refresh_many(
        Complaint.objects.filter(pk__in=complaint_ids).values_list("customer_id", flat=True)
    )


def on_feelings(*, customer_ids: list[int]) -> None:
    lifecycle_refresh_many(customer_ids)


def subscribe_all() -> None:
    events.subscribe(events.SALE_RECORDED, on_sales)
    for event in (events.COMPLAINT_OPENED, events.COMPLAINT_RESOLVED, events.COMPLAINT_REOPENED):
        events.subscribe(event, on_complaints)
    events.subscribe(events.FEELING_RECORDED, on_feelings)
    events.subscribe(events.PREDICTION_CHANGED, on_feelings)

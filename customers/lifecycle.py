"""The lifecycle stage, derived from purchases and open complaints.

- at risk: an unresolved complaint, or the last purchase 180-365 days ago
- lost: no purchase for more than 365 days
- loyal: 3 or more purchases, the last within 180 days
- active: 2 purchases, the last within 180 days
- new: one purchase (or none yet) within 180 days
"""

import datetime as dt

from django.db.models import Count, Exists, Max, OuterRef
from django.utils import timezone

from customers.choices import LifecycleStage
from customers.models import Complaint, Customer

RECENT_DAYS = 180
LOST_DAYS = 365


def stage_for(*, sales: int, last_sale: dt.datetime | None, has_open_case: bool,
              now: dt.datetime) -> str:
    if has_open_case:
        return LifecycleStage.AT_RISK
    if last_sale is None:
        return LifecycleStage.NEW
    age = now - last_sale
    if age > dt.timedelta(days=LOST_DAYS):
        return LifecycleStage.LOST
    if age > dt.timedelta(days=RECENT_DAYS):
        return LifecycleStage.AT_RISK
    if sales >= 3:
        return LifecycleStage.LOYAL
    if sales == 2:
        return LifecycleStage.ACTIVE
    return LifecycleStage.NEW


def lifecycle_refresh(customer_ids: list[int]) -> int:
    """Recompute the stage of these customers in three queries; returns how many changed."""
    now = timezone.now()
    open_case = Complaint.objects.unresolved().filter(customer=OuterRef("pk"))
    rows = (Customer.objects.filter(pk__in=customer_ids)
            .annotate(n=Count("sales"), last=Max("sales__ordered_at"), case=Exists(open_case))
            .values_list("pk", "lifecycle_stage", "n", "last", "case"))
    changed = []
    for pk, current, n, last, case in rows:
        stage = stage_for(sales=n, last_sale=last, has_open_case=case, now=now)
        if stage != current:
            changed.append(Customer(pk=pk, lifecycle_stage=stage))
    Customer.objects.bulk_update(changed, ["lifecycle_stage"], batch_size=1000)
    return len(changed)

"""The engine listens to the domain: each event plans its messages, in the database only.

Planning writes outbox rows and never touches the broker, so recording a sale works while
Redis is down; beat's dispatch sweep sends what was planned once it is back.
"""

from customers import events
from followups import planner


def on_sale_recorded(*, sale_ids: list[int]) -> None:
    planner.plan_thank_yous(sale_ids)


def on_delivery_changed(*, delivery_ids: list[int]) -> None:
    planner.plan_for_deliveries(delivery_ids)


def on_complaint_resolved(*, complaint_ids: list[int]) -> None:
    planner.plan_case_surveys(complaint_ids)


def subscribe_all() -> None:
    events.subscribe(events.SALE_RECORDED, on_sale_recorded)
    events.subscribe(events.DELIVERY_CHANGED, on_delivery_changed)
    events.subscribe(events.COMPLAINT_RESOLVED, on_complaint_resolved)

"""Domain events: how the records tell the follow-up engine (and anyone else) what happened.

A service publishes an event inside its transaction; subscribers run only after the commit, so a
rolled-back sale never plans a thank-you. Subscribers register in their AppConfig.ready().
"""

from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

# Payloads are lists of ids, so a bulk import announces 100,000 sales as one event and the
# subscribers can work set-based.
SALE_RECORDED = "sale_recorded"  # sale_ids: list[int] (new sales only)
DELIVERY_CHANGED = "delivery_changed"  # delivery_ids: list[int] (created or changed)
# customer_ids: list[int], both owners, when an existing sale changed hands or order time
SALES_MOVED = "sales_moved"
COMPLAINT_OPENED = "complaint_opened"  # complaint_ids: list[int]
COMPLAINT_RESOLVED = "complaint_resolved"  # complaint_ids: list[int]
COMPLAINT_REOPENED = "complaint_reopened"  # complaint_ids: list[int]
FEELING_RECORDED = "feeling_recorded"  # customer_ids: list[int]
PREDICTION_CHANGED = "prediction_changed"  # customer_ids: list[int]

_subscribers: dict[str, list[Callable]] = defaultdict(list)


def subscribe(event: str, handler: Callable) -> None:
    if handler not in _subscribers[event]:
        _subscribers[event].append(handler)


def publish(event: str, **payload) -> None:
    for handler in list(_subscribers[event]):
        transaction.on_commit(lambda handler=handler: handler(**payload), robust=True)

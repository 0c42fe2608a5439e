"""Lateness has one definition, asked in Python (Delivery.is_late_on) and in SQL (late()).

Each case is checked both ways, so the sweep that finds late parcels and the page that shows one
can never disagree.
"""

import datetime as dt

import pytest

from customers.choices import DeliveryStatus
from customers.models import Delivery
from tests.customers.factories import DeliveryFactory, SaleFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 10)
ORDERED_AT = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
OPEN = DeliveryStatus.IN_TRANSIT

CASES = {
    # name: (promised, estimated, status, delivered, late?)
    "estimate after promise": (TODAY + 2 * DAY, TODAY + 3 * DAY, OPEN, False, True),
    "estimate on the promise": (TODAY + 2 * DAY, TODAY + 2 * DAY, OPEN, False, False),
    "estimate before promise": (TODAY + 2 * DAY, TODAY + DAY, OPEN, False, False),
    "promised day passed undelivered": (TODAY - DAY, None, OPEN, False, True),
    "promised day passed, early estimate": (TODAY - DAY, TODAY - 2 * DAY, OPEN, False, True),
    "promised day passed, still pending": (TODAY - DAY, None, DeliveryStatus.PENDING, False, True),
    "promised day passed, delayed": (TODAY - DAY, None, DeliveryStatus.DELAYED, False, True),
    "promised today is not late yet": (TODAY, None, OPEN, False, False),
    "promised today, estimate today": (TODAY, TODAY, OPEN, False, False),
    "delivered after the promise": (TODAY - 2 * DAY, None, DeliveryStatus.DELIVERED, True, False),
    "delivered time, status behind": (TODAY - 2 * DAY, TODAY, OPEN, True, False),
    "failed": (TODAY - DAY, None, DeliveryStatus.FAILED, False, False),
    "returned": (TODAY - DAY, TODAY + DAY, DeliveryStatus.RETURNED, False, False),
    "no promised date": (None, TODAY + 5 * DAY, OPEN, False, False),
    "no dates at all": (None, None, OPEN, False, False),
}


@pytest.mark.parametrize(
    ("promised", "estimated", "status", "delivered", "late"), list(CASES.values()), ids=list(CASES)
)
def test_python_and_sql_agree_on_lateness(promised, estimated, status, delivered, late):
    delivery = DeliveryFactory(
        sale=SaleFactory(ordered_at=ORDERED_AT),
        promised_date=promised,
        estimated_date=estimated,
        status=status,
        delivered_at=ORDERED_AT + DAY if delivered else None,
    )

    assert delivery.is_late_on(TODAY) is late
    assert Delivery.objects.late(TODAY).filter(pk=delivery.pk).exists() is late


def test_the_sql_answer_covers_every_late_delivery_at_once():
    made = {
        name: DeliveryFactory(
            sale=SaleFactory(ordered_at=ORDERED_AT),
            promised_date=promised,
            estimated_date=estimated,
            status=status,
            delivered_at=ORDERED_AT + DAY if delivered else None,
        )
        for name, (promised, estimated, status, delivered, _late) in CASES.items()
    }

    late = set(Delivery.objects.late(TODAY).values_list("pk", flat=True))

    assert late == {d.pk for d in made.values() if d.is_late_on(TODAY)}
    assert late == {made[name].pk for name, case in CASES.items() if case[-1]}

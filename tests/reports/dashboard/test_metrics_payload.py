"""The plain dict behind the API and the digest: every metric by name, its count, its previous
value; and a number of queries that does not grow with the data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.metrics.payload import metrics_payload
from tests.customers.factories import CustomerFactory
from tests.reports.dashboard.conftest import MARCH, answer, at, case, d, delivery, message, sale

pytestmark = pytest.mark.django_db


def some_shop(n: int):
    for i in range(n):
        who = CustomerFactory()
        order = sale(who, d(3, 2 + i % 20), channel="store" if i % 3 else "online")
        sale(who, d(2, 2 + i % 20))
        delivery(order, promised=d(3, 25), delivered=d(3, 24 + i % 3), reason="weather")
        answer(order, "nps", i % 11, day=d(3, 26))
        answer(order, "csat", 1 + i % 5, ces=1 + i % 7, day=d(3, 27))
        message(customer=who, sale=order, events=["delivered", "opened"])
        complaint = case(
            who,
            sale=order,
            opened=at(d(3, 3)),
            first_response=at(d(3, 3), 15),
            resolved=at(d(3, 5)),
            compensation="voucher",
            amount=5,
        )
        answer(order, "nps", 2, day=d(3, 4), case=complaint)


def test_every_metric_is_under_its_name_with_count_and_previous():
    some_shop(6)
    body = metrics_payload(MARCH.start, MARCH.end)
    for name in (
        "nps",
        "csat",
        "ces",
        "response_rate",
        "repeat_purchase_rate",
        "cohort_retention",
        "rfm_segments",
        "on_time_rate",
        "late_notified_rate",
        "first_response_hours",
        "resolution_hours",
        "within_sla_rate",
        "detractor_recovery_rate",
    ):
        assert {"value", "count", "previous"} <= set(body[name]), name
    assert body["nps"]["count"] == 12
    assert body["repeat_purchase_rate"]["previous"] == 0.0
    assert body["on_time_rate"]["value"] == 66.7  # delivered the 24th or 25th: 4 of 6
    assert body["rfm_segments"]["count"] == 6
    assert body["message_funnel"]["value"]["all"]["opened"] == 6
    store = metrics_payload(MARCH.start, MARCH.end, channel="store")
    assert store["nps"]["count"] == 8 and store["period"]["channel"] == "store"


def test_the_number_of_queries_does_not_grow_with_the_data():
    some_shop(3)
    with CaptureQueriesContext(connection) as small:
        metrics_payload(MARCH.start, MARCH.end, channel="online", category="hogar")
    some_shop(12)
    with CaptureQueriesContext(connection) as large:
        metrics_payload(MARCH.start, MARCH.end, channel="online", category="hogar")
    assert len(large) == len(small)

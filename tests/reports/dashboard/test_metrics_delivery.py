"""Delivery metrics and what lateness does, computed by hand from the rows below."""

import pytest

from followups.models import Kind
from reports import metrics
from reports.metrics.scope import Scope
from tests.reports.dashboard.conftest import MARCH, answer, d, delivery, message, sale

pytestmark = pytest.mark.django_db


@pytest.fixture
def deliveries():
    rows = {
        1: delivery(sale(day=d(3, 1)), promised=d(3, 5), delivered=d(3, 5), carrier="SEUR"),
        2: delivery(sale(day=d(3, 1)), promised=d(3, 6), delivered=d(3, 4), carrier="MRW"),
        3: delivery(sale(day=d(3, 1)), promised=d(3, 7), delivered=d(3, 9), reason="carrier", carrier="SEUR"),
        4: delivery(sale(day=d(3, 1)), promised=d(3, 8), delivered=d(3, 12), reason="weather", carrier="MRW"),
        5: delivery(sale(day=d(3, 15)), promised=d(3, 20), carrier="SEUR"),  # never came
        7: delivery(sale(day=d(3, 8), channel="store"), promised=d(3, 10), delivered=d(3, 10), carrier="GLS"),
        8: delivery(sale(day=d(2, 1)), promised=d(2, 5), delivered=d(2, 9), carrier="GLS"),
    }
    message(customer=rows[3].sale.customer, sale=rows[3].sale, kind=Kind.DELAY_NOTICE, day=d(3, 6))
    message(customer=rows[4].sale.customer, sale=rows[4].sale, kind=Kind.DELAY_NOTICE, day=d(3, 9))
    return rows


def test_on_time_rate_over_decided_deliveries(deliveries):
    assert (metrics.on_time_rate(MARCH).part, metrics.on_time_rate(MARCH).whole) == (3, 6)
    assert metrics.on_time_rate(MARCH).value == 50.0
    assert metrics.on_time_rate(Scope(MARCH.start, MARCH.end, channel="online")).value == 40.0
    assert metrics.on_time_rate(MARCH.previous()).value == 0.0  # February's one was late


def test_late_notified_before_the_promise_passed(deliveries):
    rate = metrics.late_notified_rate(MARCH)
    assert (rate.part, rate.whole) == (1, 3)  # 3 told the day before; 4 told after its date


def test_late_by_reason_and_by_carrier(deliveries):
    assert sorted((r.key, r.count) for r in metrics.late_by_reason(MARCH)) == [
        ("", 1),
        ("carrier", 1),
        ("weather", 1),
    ]
    carriers = {name: (share.part, share.whole) for name, share in metrics.late_by_carrier(MARCH)}
    assert carriers == {"SEUR": (2, 3), "MRW": (1, 2), "GLS": (0, 1)}


def test_satisfaction_and_repeat_of_late_against_on_time(deliveries):
    for n, score in {1: 10, 2: 9, 3: 7, 4: 0, 5: 2}.items():
        answer(deliveries[n].sale, "nps", score, day=d(3, 25))
    answer(deliveries[7].sale, "csat", 5, day=d(3, 25))
    sale(deliveries[1].sale.customer, d(4, 1))  # bought again after an on-time order
    impact = metrics.lateness_impact(MARCH)
    assert impact.on_time.nps.score == 100.0 and impact.on_time.csat.score == 100.0
    assert impact.late.nps.score == -66.7  # 0 promoters, 2 detractors of 3
    assert (impact.on_time.repeat.part, impact.on_time.repeat.whole) == (1, 3)
    assert (impact.late.repeat.part, impact.late.repeat.whole) == (0, 3)
    assert impact.notified.nps.score == 0.0 and impact.not_notified.nps.score == -100.0
    assert {i.key: i.nps.score for i in impact.by_reason} == {"carrier": 0.0, "weather": -100.0, "": -100.0}
    carriers = {on_time.key: (on_time.nps.score, late.nps.score) for on_time, late in impact.by_carrier}
    assert carriers == {"SEUR": (100.0, -50.0), "MRW": (100.0, -100.0), "GLS": (None, None)}

"""Repeat purchase, cohort retention and RFM, computed by hand from the rows below."""

import itertools

import pytest

from reports import metrics
from reports.metrics.purchases import SEGMENTS, segment_of
from reports.metrics.scope import Scope
from tests.customers.factories import CustomerFactory
from tests.reports.dashboard.conftest import MARCH, d, sale

pytestmark = pytest.mark.django_db


def test_repeat_purchase_rate_counts_sales_within_the_period():
    a, b, c, e = (CustomerFactory() for _ in range(4))
    sale(a, d(3, 3)), sale(a, d(3, 20))  # repeater
    sale(b, d(2, 10)), sale(b, d(3, 5))  # one sale in the period
    sale(c, d(3, 7), channel="store")
    sale(e, d(3, 8)), sale(e, d(3, 9), channel="store")  # repeater over all channels only
    everything = metrics.repeat_purchase_rate(MARCH)
    assert (everything.part, everything.whole, everything.value) == (2, 4, 50.0)
    assert metrics.repeat_purchase_rate(Scope(MARCH.start, MARCH.end, channel="online")).value == 33.3
    assert metrics.repeat_purchase_rate(Scope(MARCH.start, MARCH.end, channel="store")).value == 0.0
    assert metrics.repeat_purchase_rate(MARCH.previous()).value == 0.0  # b alone, once
    assert metrics.repeat_purchase_rate() == pytest.approx(3 / 4)  # all time: a, b, e of four


def test_cohort_retention_cells_by_hand():
    x, y, z, w, old = (CustomerFactory() for _ in range(5))
    sale(x, d(1, 5)), sale(x, d(2, 10)), sale(x, d(3, 3))
    sale(y, d(1, 20))
    sale(z, d(2, 2)), sale(z, d(3, 9))
    sale(w, d(3, 3))
    sale(old, d(6, 1, 2024)), sale(old, d(3, 15))  # first bought long before: no cohort here
    table = metrics.cohort_retention(MARCH)
    rows = {c.month: c for c in table.cohorts}
    assert sorted(rows) == [d(1, 1), d(2, 1), d(3, 1)]
    assert rows[d(1, 1)].size == 2 and rows[d(1, 1)].rates[:4] == [100.0, 50.0, 50.0, None]
    assert rows[d(2, 1)].size == 1 and rows[d(2, 1)].rates[:3] == [100.0, 100.0, None]
    assert rows[d(3, 1)].rates[:2] == [100.0, None]
    assert table.value == 66.7  # month 1: January 1 of 2, February 1 of 1
    assert table.count == 4


def test_cohorts_follow_the_channel_filter():
    x = CustomerFactory()
    sale(x, d(1, 5), channel="store"), sale(x, d(2, 10))
    online = metrics.cohort_retention(Scope(MARCH.start, MARCH.end, channel="online"))
    assert [(c.month, c.size) for c in online.cohorts] == [(d(2, 1), 1)]


def test_every_score_triple_has_exactly_one_named_segment():
    names = {key for key, *_rest in SEGMENTS}
    assert len(names) == 11
    seen = {segment_of(r, f, m) for r, f, m in itertools.product(range(1, 6), repeat=3)}
    assert seen == names  # each segment is reachable, and no triple is left unnamed


def test_rfm_scores_by_quintile_and_names_the_segments():
    people = [CustomerFactory() for _ in range(5)]
    for i, person in enumerate(people, start=1):  # person i: i sales, later and larger with i
        for k in range(i):
            sale(person, d(1, 1 + 5 * i + k), total=f"{10 * i}.00")
    table = metrics.rfm_segments(MARCH)
    counts = {s.key: s.customers for s in table.segments}
    # Percent ranks 0, .25, .5, .75, 1 → scores 1..5 on all three: 555 and 444 champions,
    # 333 loyal, 222 about to sleep, 111 lost.
    assert counts["champions"] == 2 and counts["loyal"] == 1
    assert counts["about_to_sleep"] == 1 and counts["lost"] == 1
    assert table.count == 5
    values = {s.key: s.value for s in table.segments}
    assert values["champions"] == 5 * 50 + 4 * 40
    assert metrics.rfm_customer_ids(MARCH, "champions") == [people[4].pk, people[3].pk]

"""NPS, CSAT, CES and response rate, each computed by hand from the rows below."""

import pytest

from reports import metrics
from reports.metrics.scope import Scope
from tests.customers.factories import CustomerFactory
from tests.reports.dashboard.conftest import MARCH, answer, d, invitation, sale

pytestmark = pytest.mark.django_db


@pytest.fixture
def nps_answers():
    online = [sale(channel="online", category="hogar") for _ in range(10)]
    for s, score in zip(online, [10, 10, 9, 9, 9, 8, 7, 6, 3, 0], strict=True):
        answer(s, "nps", score)  # 5 promoters, 2 passives, 3 detractors
    for _ in range(2):
        answer(sale(channel="store", category="libros"), "nps", 0)
    answer(sale(), "nps", 0, flagged=True)  # a scanner: never counts
    answer(sale(day=d(2, 10)), "nps", 10, day=d(2, 15))  # the previous period
    answer(sale(day=d(4, 1)), "nps", 0, day=d(4, 2))  # after the period


def test_nps_is_promoters_minus_detractors_with_its_interval(nps_answers):
    online = metrics.nps(Scope(MARCH.start, MARCH.end, channel="online"))
    assert (online.promoters, online.passives, online.detractors, online.responses) == (5, 2, 3, 10)
    assert online.score == 20.0  # 50 % − 30 %
    # variance (p + d − (p − d)²) / n = (0.5 + 0.3 − 0.04) / 10 = 0.076; 1.96·100·√0.076 = 54.0
    assert online.margin == 54.0
    assert (online.low, online.high) == (-34.0, 74.0)


def test_nps_over_everything_and_each_filter(nps_answers):
    assert metrics.nps(MARCH).score == 0.0  # 5 promoters, 5 detractors of 12
    assert metrics.nps(MARCH).responses == 12
    assert metrics.nps(Scope(MARCH.start, MARCH.end, category="libros")).score == -100.0
    nobody = metrics.nps(Scope(MARCH.start, MARCH.end, channel="store", category="hogar"))
    assert (nobody.score, nobody.responses, nobody.low) == (None, 0, None)


def test_the_previous_period_is_as_long_and_just_before(nps_answers):
    previous = MARCH.previous()
    assert (previous.start, previous.end) == (d(1, 29), d(3, 1))
    assert metrics.nps(previous).score == 100.0
    assert metrics.nps(previous).responses == 1


def test_nps_trend_marks_points_on_too_few_answers(nps_answers):
    trend = metrics.nps_trend(MARCH)
    assert [week for week, _ in trend][:2] == [d(2, 23), d(3, 2)]  # Mondays, from the one before
    by_week = dict(trend)
    assert by_week[d(3, 9)].responses == 12 and by_week[d(3, 9)].too_few  # all on March 12
    assert by_week[d(3, 2)].responses == 0 and by_week[d(3, 2)].score is None
    assert sum(point.responses for _, point in trend) == 12


def test_csat_is_the_share_of_fours_and_fives():
    for score in [5, 4, 3, 1]:
        answer(sale(channel="online"), "csat", score)
    answer(sale(channel="store"), "csat", 5)
    answer(sale(), "csat", 5, flagged=True)
    assert metrics.csat(MARCH).score == 60.0  # 3 of 5
    online = metrics.csat(Scope(MARCH.start, MARCH.end, channel="online"))
    assert (online.score, online.responses, online.satisfied) == (50.0, 4, 2)


def test_ces_is_the_mean_effort_on_one_to_seven():
    answer(sale(), "csat", 4, ces=6)
    answer(sale(), "csat", 5, ces=3)
    answer(sale(category="libros"), "ces", 7)
    assert metrics.ces(MARCH).score == pytest.approx(5.33)  # (6 + 3 + 7) / 3
    assert metrics.ces(Scope(MARCH.start, MARCH.end, category="libros")).score == 7


def test_a_case_survey_counts_under_its_cases_order():
    from tests.reports.dashboard.conftest import at, case

    order = sale(channel="store")
    complaint = case(order.customer, sale=order, opened=at(d(3, 2)), resolved=at(d(3, 3)))
    answer(None, "csat", 5, complaint=complaint)
    assert metrics.csat(Scope(MARCH.start, MARCH.end, channel="store")).responses == 1
    assert metrics.csat(Scope(MARCH.start, MARCH.end, channel="online")).responses == 0


def test_response_rate_is_answered_over_delivered_invitations():
    answer(sale(), "nps", 9)
    answer(sale(), "csat", 4)
    answer(sale(), "nps", 0, flagged=True)  # delivered, only a scanner answered
    invitation(sale(), "nps")  # delivered, unanswered
    invitation(sale(), "nps", bounced=True)  # never delivered: left out
    invitation(sale(day=d(2, 1)), "nps", day=d(2, 2))  # sent in the previous period
    rate = metrics.response_rate(MARCH)
    assert (rate.part, rate.whole, rate.value) == (2, 4, 50.0)
    assert metrics.response_rate(MARCH.previous()).value == 0.0


def test_comments_filter_by_feeling_and_reason():
    customer = CustomerFactory()
    answer(sale(customer), "nps", 2, comment="Llegó roto", reasons=["delivery_damaged"], day=d(3, 5))
    answer(sale(customer), "nps", 10, comment="Genial", day=d(3, 6))
    answer(sale(customer), "csat", 3, comment="Normal", day=d(3, 7))
    answer(sale(customer), "nps", 9, day=d(3, 8))  # no comment
    assert [a.comment for a in metrics.latest_comments(MARCH)] == ["Normal", "Genial", "Llegó roto"]
    assert [a.comment for a in metrics.latest_comments(MARCH, feeling="detractor")] == ["Llegó roto"]
    assert [a.comment for a in metrics.latest_comments(MARCH, feeling="passive")] == ["Normal"]
    assert [a.comment for a in metrics.latest_comments(MARCH, reason="delivery_damaged")] == ["Llegó roto"]

"""Case metrics, the message funnel and detractors' recovery, by hand from the rows below."""

import datetime as dt

import pytest

from followups.models import Kind, State
from reports import metrics
from tests.customers.factories import CustomerFactory
from tests.reports.dashboard.conftest import MARCH, answer, at, case, d, message, sale

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


@pytest.fixture
def cases():
    who = CustomerFactory()
    case(
        who,
        opened=at(d(3, 2), 10),
        first_response=at(d(3, 2), 12),
        resolved=at(d(3, 2), 20),
        compensation="voucher",
        amount=10,
    )
    case(
        who,
        opened=at(d(3, 3), 10),
        first_response=at(d(3, 3), 16),
        resolved=at(d(3, 4), 16),
        compensation="voucher",
        amount=5,
    )
    case(
        who,
        opened=at(d(3, 4), 10),
        first_response=at(d(3, 4), 14),
        reason="delivery_late",
        compensation="refund",
        amount=20,
    )  # still open, past its due time
    case(who, opened=at(d(2, 4), 10), first_response=at(d(2, 4), 11))  # the previous period


def test_median_first_response_and_resolution_in_hours(cases):
    assert metrics.first_response_time(MARCH).hours == 4.0  # of 2, 6 and 4
    assert metrics.resolution_time(MARCH).hours == 20.0  # of 10 and 30
    assert metrics.first_response_time(MARCH.previous()).hours == 1.0


def test_share_within_sla(cases):
    share = metrics.within_sla(MARCH)
    assert (share.part, share.whole) == (1, 3)


def test_complaints_by_reason_and_compensation_by_kind(cases):
    assert [(r.key, r.count) for r in metrics.complaints_by_reason(MARCH)] == [
        ("worse_than_expected", 2),
        ("delivery_late", 1),
    ]
    assert {(c.key, c.count, int(c.amount)) for c in metrics.compensation_by_kind(MARCH)} == {
        ("voucher", 2, 15),
        ("refund", 1, 20),
    }


def test_message_funnel_by_kind():
    who = CustomerFactory()
    message(customer=who, events=["delivered", "opened", "clicked"])
    message(customer=who, events=["delivered", "opened", "opened"])  # two opens: one message
    message(customer=who, events=["bounced"])
    message(customer=who, state=State.SUPPRESSED, reason="unsubscribed")
    message(customer=who, state=State.CANCELLED, reason="delivered")
    message(customer=who, state=State.PLANNED, reason="deferred:quiet_hours", events=["defer"])
    message(customer=who, kind=Kind.THANK_YOU, events=["delivered"])
    message(customer=who, day=d(2, 10))  # planned in the previous period
    funnels = {f.kind: f for f in metrics.message_funnel(MARCH)}
    survey = funnels[Kind.SURVEY].steps
    assert (survey["planned"], survey["sent"], survey["delivered"], survey["opened"]) == (6, 3, 2, 2)
    assert (survey["clicked"], survey["bounced"], survey["deferred"]) == (1, 1, 1)
    assert (survey["suppressed"], survey["cancelled"]) == (1, 1)
    assert funnels[Kind.SURVEY].suppressed_by == {"unsubscribed": 1}
    assert funnels[Kind.SURVEY].cancelled_by == {"delivered": 1}
    assert (funnels[""].steps["planned"], funnels[""].steps["delivered"]) == (7, 3)


def test_detractors_recovery_after_their_case():
    d1, d2, d3, d4 = (CustomerFactory() for _ in range(4))
    c1 = case(d1, opened=at(d(3, 5)), resolved=at(d(3, 7)))
    answer(sale(d1, d(3, 1)), "nps", 3, day=d(3, 5), case=c1)
    answer(sale(d1, d(3, 1)), "nps", 10, day=d(3, 6))  # before the resolution: not the "next" answer
    answer(sale(d1, d(3, 1)), "nps", 8, day=d(3, 20))  # next after resolution: passive, recovered
    sale(d1, d(3, 25))
    c2 = case(d2, opened=at(d(3, 6)), resolved=at(d(3, 8)))
    answer(sale(d2, d(3, 1)), "csat", 1, day=d(3, 6), case=c2)
    answer(sale(d2, d(3, 1)), "nps", 5, day=d(3, 21))  # still a detractor
    c3 = case(d3, opened=at(d(3, 9)), resolved=at(d(3, 10)))
    answer(sale(d3, d(3, 1)), "nps", 2, day=d(3, 9), case=c3)  # no answer since
    answer(sale(d4, d(3, 1)), "nps", 0, day=d(3, 9))  # no case
    recovery = metrics.detractor_recovery(MARCH)
    assert (recovery.recovered.part, recovery.recovered.whole) == (1, 2)
    assert (recovery.repeat.part, recovery.repeat.whole) == (1, 3)

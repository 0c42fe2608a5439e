"""A small shop built by hand, row by row, with every date explicit: the metrics tests compute
each number from these rows on paper and compare."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from customers.models import Complaint
from followups.models import KIND_CATEGORY, Kind, Message, MessageEvent, State
from reports.metrics import Scope
from surveys.models import Answer, Invitation
from tests.customers.factories import CustomerFactory, DeliveryFactory, SaleFactory

# The period under test is March 2026; "today" is mid-April.
MARCH = Scope(dt.date(2026, 3, 1), dt.date(2026, 4, 1))
TODAY = dt.datetime(2026, 4, 15, 12, 0)
MAR10, MAR12 = dt.date(2026, 3, 10), dt.date(2026, 3, 12)  # default days of sales and answers
_keys = itertools.count()


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def d(month: int, day: int, year: int = 2026) -> dt.date:
    return dt.date(year, month, day)


@pytest.fixture(autouse=True)
def live_numbers(settings):
    """Pages compute their numbers on every request here (test_dashboard_snapshots keeps them)."""
    settings.REPORTS_SNAPSHOT_SECONDS = 0


@pytest.fixture(autouse=True)
def frozen_today(request):
    if request.node.get_closest_marker("browser"):  # a real browser needs a moving clock
        yield
        return
    request.getfixturevalue("db")
    with time_machine.travel(timezone.make_aware(TODAY), tick=False):
        yield


def sale(customer=None, day=MAR10, *, channel="online", category="hogar", total="20.00"):
    return SaleFactory(
        customer=customer or CustomerFactory(),
        ordered_at=at(day),
        channel=channel,
        lines=1,
        lines__category=category,
        lines__unit_price=Decimal(total),
    )


def message(
    *,
    customer,
    kind=Kind.SURVEY,
    sale=None,
    complaint=None,
    day=MAR10,
    state=State.SENT,
    reason="",
    events=(),
):
    when = at(day)
    row = Message.objects.create(
        kind=kind,
        category=KIND_CATEGORY[kind],
        customer=customer,
        sale=sale,
        complaint=complaint,
        dedupe_key=f"test:{next(_keys)}",
        planned_at=when,
        expires_at=when + dt.timedelta(days=7),
        state=state,
        reason=reason,
        sent_at=when if state == State.SENT else None,
        created_at=when,
    )
    for event in events:
        MessageEvent.objects.create(message=row, event=event, at=when)
    return row


def invitation(sale=None, survey_type="nps", day=MAR12, *, complaint=None, bounced=False):
    customer = sale.customer if sale else complaint.customer
    mail = message(
        customer=customer,
        sale=sale,
        complaint=complaint,
        day=day,
        kind=Kind.CASE_SURVEY if complaint else Kind.SURVEY,
        events=["bounced"] if bounced else [],
    )
    return Invitation.objects.create(
        message=mail,
        customer=customer,
        sale=sale,
        complaint=complaint,
        survey_type=survey_type,
        created_at=at(day),
    )


def answer(
    sale=None,
    survey_type="nps",
    score=9,
    day=MAR12,
    *,
    flagged=False,
    ces=None,
    comment="",
    reasons=(),
    complaint=None,
    case=None,
):
    """An answer as the answer page leaves it; `case` is the case this answer opened."""
    inv = invitation(sale, survey_type, day, complaint=complaint)
    if not flagged:
        inv.answered_at = at(day)
        inv.save(update_fields=["answered_at"])
    return Answer.objects.create(
        invitation=inv,
        customer=inv.customer,
        survey_type=survey_type,
        score=score,
        ces_score=ces,
        flagged=flagged,
        comment=comment,
        reasons=list(reasons),
        answered_at=at(day),
        complaint=case,
    )


def delivery(sale, *, promised, delivered=None, reason="", carrier="SEUR"):
    return DeliveryFactory(
        sale=sale,
        promised_date=promised,
        carrier=carrier,
        delay_reason=reason,
        delivered_at=at(delivered) if delivered else None,
        status="delivered" if delivered else "in_transit",
    )


def case(
    customer,
    *,
    opened,
    first_response=None,
    resolved=None,
    sla_hours=24,
    sale=None,
    reason="worse_than_expected",
    compensation="",
    amount=None,
):
    return Complaint.objects.create(
        customer=customer,
        sale=sale,
        reason=reason,
        opened_at=opened,
        first_response_at=first_response,
        resolved_at=resolved,
        sla_due_at=opened + dt.timedelta(hours=sla_hours),
        compensation_kind=compensation,
        compensation_amount=amount,
        status="resolved" if resolved else "open",
    )

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from customers import events
from customers.choices import (
    CompensationKind,
    ComplaintSource,
    ComplaintStatus,
    Reason,
    Severity,
    TimelineKind,
)
from customers.models import Complaint, TimelineEntry
from customers.services import (
    complaint_assign,
    complaint_compensate,
    complaint_open,
    complaint_reopen,
    complaint_resolve,
    complaint_respond,
    note_add,
)
from tests.customers.factories import ComplaintFactory, CustomerFactory, SaleFactory, events_recorded

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def complaint():
    return ComplaintFactory(opened_at=NOW - HOUR)


def reloaded(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def entries(complaint: Complaint) -> list[str]:
    return list(
        TimelineEntry.objects.filter(complaint=complaint).order_by("id").values_list("kind", flat=True)
    )


MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


@time_machine.travel(NOW, tick=False)  # Tuesday 10:30 in Madrid; open 09:00-18:00 Mon-Fri
@pytest.mark.parametrize(
    ("severity", "due"),
    [
        (Severity.CRITICAL, dt.datetime(2026, 3, 10, 14, 30)),  # 4 business hours
        (Severity.HIGH, dt.datetime(2026, 3, 11, 9, 30)),  # 8: 7.5 today, 0.5 tomorrow
        (Severity.NORMAL, dt.datetime(2026, 3, 12, 16, 30)),  # 24
        (Severity.LOW, dt.datetime(2026, 3, 20, 10, 30)),  # 72, over a weekend
    ],
)
def test_an_opened_case_is_due_by_the_resolution_target_of_its_severity(severity, due):
    complaint = complaint_open(customer=CustomerFactory(), reason=Reason.DELIVERY_LATE, severity=severity)

    due = due.replace(tzinfo=MADRID)
    assert (complaint.opened_at, complaint.sla_due_at) == (NOW, due)
    assert reloaded(complaint).resolution_due_at == due


@time_machine.travel(NOW, tick=False)
def test_a_case_may_be_opened_with_its_own_sla():
    complaint = complaint_open(
        customer=CustomerFactory(), reason=Reason.OTHER, severity=Severity.LOW, sla_hours=2
    )

    assert complaint.sla_due_at == NOW + 2 * HOUR


def test_an_opened_case_is_logged_and_announced_after_the_commit(support, django_capture_on_commit_callbacks):
    sale = SaleFactory()

    with events_recorded() as seen:
        with django_capture_on_commit_callbacks(execute=True):
            complaint = complaint_open(
                customer=sale.customer,
                sale=sale,
                reason=Reason.DELIVERY_DAMAGED,
                description="Llegó roto",
                source=ComplaintSource.EMAIL,
                author=support,
            )
            assert seen == []

    stored = reloaded(complaint)
    assert (stored.status, stored.source, stored.sale) == (ComplaintStatus.OPEN, ComplaintSource.EMAIL, sale)
    entry = TimelineEntry.objects.get(complaint=complaint)
    assert (entry.kind, entry.customer, entry.sale, entry.author, entry.body) == (
        TimelineKind.COMPLAINT,
        sale.customer,
        sale,
        support,
        "Llegó roto",
    )
    assert seen == [(events.COMPLAINT_OPENED, {"complaint_ids": [complaint.pk]})]


def test_assigning_an_open_case_puts_it_in_progress(complaint, support, manager):
    complaint_assign(complaint=complaint, assignee=support, author=manager)

    stored = reloaded(complaint)
    assert (stored.assignee, stored.status) == (support, ComplaintStatus.IN_PROGRESS)
    assert entries(complaint) == [TimelineKind.COMPLAINT]
    assert support.get_username() in TimelineEntry.objects.get().text


def test_assigning_a_case_that_waits_for_the_customer_keeps_it_waiting(support):
    complaint = ComplaintFactory(status=ComplaintStatus.WAITING_CUSTOMER)

    complaint_assign(complaint=complaint, assignee=support)

    assert reloaded(complaint).status == ComplaintStatus.WAITING_CUSTOMER


def test_the_first_answer_stops_the_first_response_clock_once(complaint, support):
    with time_machine.travel(NOW, tick=False):
        complaint_respond(complaint=complaint, message="Lo miramos", author=support)
    with time_machine.travel(NOW + 3 * HOUR, tick=False):
        complaint_respond(complaint=complaint, message="¿Nos envía una foto?", waiting_customer=True)

    stored = reloaded(complaint)
    assert stored.first_response_at == NOW
    assert stored.status == ComplaintStatus.WAITING_CUSTOMER
    assert entries(complaint) == [TimelineKind.COMPLAINT, TimelineKind.COMPLAINT]


def test_answering_a_case_that_waited_puts_it_back_in_progress():
    complaint = ComplaintFactory(status=ComplaintStatus.WAITING_CUSTOMER)

    complaint_respond(complaint=complaint, message="Recibido")

    assert reloaded(complaint).status == ComplaintStatus.IN_PROGRESS


def test_compensation_is_recorded_with_its_kind_and_amount(complaint):
    complaint_compensate(complaint=complaint, kind=CompensationKind.VOUCHER, amount=Decimal("15"))

    stored = reloaded(complaint)
    assert (stored.compensation_kind, stored.compensation_amount) == (
        CompensationKind.VOUCHER,
        Decimal("15.00"),
    )
    assert entries(complaint) == [TimelineKind.COMPLAINT]


def test_compensation_without_an_amount_is_allowed(complaint):
    complaint_compensate(complaint=complaint, kind=CompensationKind.FREE_SHIPPING, amount=None)

    assert reloaded(complaint).compensation_kind == CompensationKind.FREE_SHIPPING


def test_negative_compensation_is_refused_and_writes_nothing(complaint):
    with pytest.raises(ValidationError) as refused:
        complaint_compensate(complaint=complaint, kind=CompensationKind.REFUND, amount=Decimal("-0.01"))

    assert "compensation_amount" in refused.value.message_dict
    assert reloaded(complaint).compensation_kind == ""
    assert entries(complaint) == []


@time_machine.travel(NOW, tick=False)
def test_resolving_a_case_stamps_it_and_announces_it(complaint, support, django_capture_on_commit_callbacks):
    with events_recorded() as seen:
        with django_capture_on_commit_callbacks(execute=True):
            complaint_resolve(complaint=complaint, resolution_note="Reembolsado", author=support)

    stored = reloaded(complaint)
    assert (stored.status, stored.resolved_at, stored.resolution_note) == (
        ComplaintStatus.RESOLVED,
        NOW,
        "Reembolsado",
    )
    assert stored.first_response_at == NOW  # resolving is an answer too
    assert entries(complaint) == [TimelineKind.COMPLAINT]
    assert seen == [(events.COMPLAINT_RESOLVED, {"complaint_ids": [complaint.pk]})]


def test_resolving_keeps_an_earlier_first_response(complaint):
    with time_machine.travel(NOW, tick=False):
        complaint_respond(complaint=complaint, message="Hola")
    with time_machine.travel(NOW + HOUR, tick=False):
        complaint_resolve(complaint=complaint)

    assert reloaded(complaint).first_response_at == NOW


def test_resolving_twice_is_refused(complaint, django_capture_on_commit_callbacks):
    complaint_resolve(complaint=complaint)

    with events_recorded() as seen:
        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(ValidationError) as refused:
                complaint_resolve(complaint=complaint)

    assert "status" in refused.value.message_dict
    assert seen == []
    assert entries(complaint) == [TimelineKind.COMPLAINT]


def test_a_reopened_case_is_open_again_and_can_be_resolved_again(complaint):
    complaint_resolve(complaint=complaint)

    complaint_reopen(complaint=complaint, why="Sigue sin funcionar")

    stored = reloaded(complaint)
    assert (stored.status, stored.resolved_at) == (ComplaintStatus.OPEN, None)
    assert "Sigue sin funcionar" in TimelineEntry.objects.filter(complaint=complaint).first().text
    complaint_resolve(complaint=stored)
    assert reloaded(complaint).status == ComplaintStatus.RESOLVED


@pytest.mark.parametrize("call", [False, True])
def test_a_note_or_call_goes_on_the_customer_timeline(complaint, support, call):
    entry = note_add(
        customer=complaint.customer, text="Llamó muy enfadado", author=support, call=call, complaint=complaint
    )

    assert entry.kind == (TimelineKind.CALL if call else TimelineKind.NOTE)
    assert (entry.customer, entry.complaint, entry.author, entry.body) == (
        complaint.customer,
        complaint,
        support,
        "Llamó muy enfadado",
    )


@pytest.mark.parametrize("text", ["", "   \n"])
def test_an_empty_note_is_refused(text):
    customer = CustomerFactory()

    with pytest.raises(ValidationError) as refused:
        note_add(customer=customer, text=text)

    assert "text" in refused.value.message_dict
    assert TimelineEntry.objects.count() == 0

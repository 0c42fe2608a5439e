"""The clocks as the case services keep them, with a frozen clock: what the queue orders by."""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from customers.business_calendar import shop_sla_forget
from customers.choices import ComplaintStatus, Reason, Severity
from customers.models import BusinessCalendar, ClosedDay, Complaint, SlaLedgerEntry
from customers.services import (
    complaint_customer_replied,
    complaint_open,
    complaint_reopen,
    complaint_resolve,
    complaint_respond,
    complaint_severity_set,
    complaint_status_set,
    complaints_sla_recompute,
)
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


def at(day: str, time: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=MADRID)


def opened(when: dt.datetime, severity=Severity.HIGH) -> Complaint:  # HIGH: 2 / 4 / 8 hours
    with time_machine.travel(when, tick=False):
        return complaint_open(customer=CustomerFactory(), reason=Reason.DELIVERY_LATE, severity=severity)


def test_opened_friday_at_five_the_case_is_due_monday_at_four():
    case = opened(at("2026-03-13", "17:00"))
    assert case.resolution_due_at == at("2026-03-16", "16:00")
    assert case.first_response_due_at == at("2026-03-16", "10:00")
    assert (case.next_due_at, case.next_due_clock) == (case.first_response_due_at, "first_response")


def test_opened_on_a_public_holiday_the_case_is_due_next_working_day_at_five():
    case = opened(at("2026-05-01", "10:00"))  # Labour Day, a Friday
    assert case.resolution_due_at == at("2026-05-04", "17:00")


def test_a_closed_day_of_the_shop_and_a_regional_holiday_count_too():
    BusinessCalendar.objects.create(pk=1, country="ES", subdivision="MD")
    ClosedDay.objects.create(date=dt.date(2026, 3, 16), name="Inventario")
    shop_sla_forget()
    assert opened(at("2026-03-13", "17:00")).resolution_due_at == at("2026-03-17", "16:00")
    # 2 November 2026 is a holiday in the Community of Madrid, not in all of Spain.
    assert opened(at("2026-10-30", "17:00")).resolution_due_at == at("2026-11-03", "16:00")


def test_managers_hours_and_targets_apply_to_new_and_recomputed_cases():
    case = opened(at("2026-03-10", "09:00"))
    assert case.resolution_due_at == at("2026-03-10", "17:00")
    BusinessCalendar.objects.create(
        pk=1, opening_hours={str(d): [["08:00", "14:00"]] for d in range(5)}, targets={"high": [1, 2, 10]}
    )
    shop_sla_forget()
    assert complaints_sla_recompute() == 1
    case.refresh_from_db()
    assert case.resolution_due_at == at("2026-03-11", "13:00")  # 10 h of 6-hour days


def test_waiting_for_the_customer_pauses_and_their_reply_resumes():
    case = opened(at("2026-03-10", "09:00"))
    with time_machine.travel(at("2026-03-10", "11:00"), tick=False):
        complaint_respond(complaint=case, message="¿Dirección?", waiting_customer=True)
    case.refresh_from_db()
    assert (case.status, case.next_due_at, case.resolution_due_at) == (
        ComplaintStatus.WAITING_CUSTOMER,
        None,
        None,
    )
    assert case.sla_state_at(at("2026-03-30", "12:00")) == "paused"

    with time_machine.travel(at("2026-03-11", "09:00"), tick=False):
        complaint_customer_replied(complaint=case)
    case.refresh_from_db()
    assert case.status == ComplaintStatus.IN_PROGRESS
    assert case.resolution_due_at == at("2026-03-11", "15:00")  # 2 h before, 6 after
    assert (case.next_due_at, case.next_due_clock) == (at("2026-03-11", "13:00"), "next_response")


def test_answering_stops_the_clocks_and_writes_the_ledger():
    case = opened(at("2026-03-10", "09:00"))
    with time_machine.travel(at("2026-03-10", "12:00"), tick=False):  # an hour late
        complaint_respond(complaint=case, message="Lo miramos")
    with time_machine.travel(at("2026-03-10", "13:00"), tick=False):
        complaint_customer_replied(complaint=case)
    with time_machine.travel(at("2026-03-10", "14:00"), tick=False):
        complaint_respond(complaint=case, message="Sale hoy")
    with time_machine.travel(at("2026-03-10", "15:00"), tick=False):
        complaint_resolve(complaint=case, resolution_note="Enviado")
    ledger = {e.clock: e for e in SlaLedgerEntry.objects.filter(complaint=case)}
    assert ledger["first_response"].met is False
    assert ledger["first_response"].margin == -dt.timedelta(hours=1)
    assert ledger["next_response"].met is True
    assert ledger["resolution"].met is True
    assert ledger["resolution"].margin == dt.timedelta(hours=2)
    case.refresh_from_db()
    assert case.next_due_at is None and case.sla_state == "met"


def test_a_reopened_case_gets_new_due_times():
    case = opened(at("2026-03-10", "09:00"))
    with time_machine.travel(at("2026-03-10", "10:00"), tick=False):
        complaint_resolve(complaint=case)
    with time_machine.travel(at("2026-03-12", "10:00"), tick=False):
        complaint_reopen(complaint=case, why="Sigue roto")
    case.refresh_from_db()
    assert case.resolution_due_at == at("2026-03-12", "18:00")
    assert case.next_due_at == case.resolution_due_at


def test_due_soon_at_three_quarters_then_breached():
    case = opened(at("2026-03-10", "09:00"), severity=Severity.NORMAL)  # first response in 4 h
    assert case.sla_state_at(at("2026-03-10", "11:59")) == "ok"
    assert case.sla_state_at(at("2026-03-10", "12:00")) == "due_soon"
    assert case.sla_state_at(at("2026-03-10", "13:00")) == "breached"


def test_a_new_severity_moves_the_due_times():
    case = opened(at("2026-03-10", "09:00"), severity=Severity.LOW)
    complaint_severity_set(complaint=case, severity=Severity.CRITICAL)
    case.refresh_from_db()
    assert case.resolution_due_at == at("2026-03-10", "13:00")


def test_a_status_move_records_the_history_the_pauses_come_from():
    case = opened(at("2026-03-10", "09:00"))
    with time_machine.travel(at("2026-03-10", "10:00"), tick=False):
        complaint_status_set(complaint=case, status=ComplaintStatus.WAITING_CUSTOMER)
    with time_machine.travel(at("2026-03-10", "12:00"), tick=False):
        complaint_status_set(complaint=case, status=ComplaintStatus.IN_PROGRESS)
    assert list(case.status_changes.values_list("status", flat=True)) == ["waiting_customer", "in_progress"]
    case.refresh_from_db()
    # 1 h before the pause, 6 h after it until closing, the last hour the next morning.
    assert case.resolution_due_at == at("2026-03-11", "10:00")

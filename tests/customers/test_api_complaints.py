import datetime as dt

import pytest
import time_machine

from customers.choices import ComplaintSource, ComplaintStatus, TimelineKind
from customers.models import Complaint, TimelineEntry
from tests.customers.api_helpers import api_client
from tests.customers.factories import ComplaintFactory, CustomerFactory, SaleFactory

URL = "/api/v1/complaints/"


@pytest.fixture
def api(support):
    return api_client(support)


def test_opening_a_complaint_records_it_as_from_the_api(api, support):
    customer = CustomerFactory()

    response = api.post(
        URL,
        {
            "customer": customer.pk,
            "reason": "delivery_damaged",
            "severity": "high",
            "description": "Box crushed",
        },
        format="json",
    )

    assert response.status_code == 201
    complaint = Complaint.objects.get()
    assert (complaint.customer, complaint.source, complaint.severity, complaint.status) == (
        customer,
        ComplaintSource.API,
        "high",
        ComplaintStatus.OPEN,
    )
    assert response.json()["sla_due_at"] is not None
    entry = TimelineEntry.objects.get(kind=TimelineKind.COMPLAINT, complaint=complaint)
    assert entry.author == support


def test_a_complaint_about_an_order_takes_the_order_customer(api):
    sale = SaleFactory(external_id="A-9")

    response = api.post(URL, {"sale_external_id": "A-9", "reason": "delivery_late"}, format="json")

    assert response.status_code == 201
    assert response.json()["customer"] == sale.customer_id
    assert response.json()["sale_external_id"] == "A-9"


def test_a_complaint_needs_a_customer_whose_sale_it_names(api):
    sale, stranger = SaleFactory(), CustomerFactory()

    no_customer = api.post(URL, {"reason": "other"}, format="json")
    mismatch = api.post(URL, {"customer": stranger.pk, "sale": sale.pk, "reason": "other"}, format="json")
    unknown = api.post(URL, {"customer_external_id": "NOPE", "reason": "other"}, format="json")

    assert (no_customer.status_code, mismatch.status_code, unknown.status_code) == (400, 400, 400)
    assert "customer" in no_customer.json()
    assert "sale" in mismatch.json()
    assert "customer_external_id" in unknown.json()
    assert not Complaint.objects.exists()


def test_raising_the_severity_shortens_the_sla(api):
    # A Tuesday at 09:00 in Madrid: the critical target's 4 business hours fit in the day.
    with time_machine.travel(dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC), tick=False):
        complaint = ComplaintFactory(severity="low")
        response = api.patch(f"{URL}{complaint.pk}/", {"severity": "critical"}, format="json")

    assert response.status_code == 200
    complaint.refresh_from_db()
    assert complaint.severity == "critical"
    assert complaint.sla_due_at == complaint.opened_at + dt.timedelta(hours=4)


def test_assigning_a_case_puts_it_in_progress(api, manager):
    complaint = ComplaintFactory()

    response = api.patch(f"{URL}{complaint.pk}/", {"assignee": manager.username}, format="json")

    assert response.json()["assignee"] == manager.username
    assert response.json()["status"] == ComplaintStatus.IN_PROGRESS
    unassigned = api.patch(f"{URL}{complaint.pk}/", {"assignee": None}, format="json")
    assert unassigned.json()["assignee"] is None


def test_only_staff_can_be_assigned(api, django_user_model):
    complaint = ComplaintFactory()
    django_user_model.objects.create_user(username="outsider")

    response = api.patch(f"{URL}{complaint.pk}/", {"assignee": "outsider"}, format="json")

    assert response.status_code == 400
    assert "assignee" in response.json()


def test_compensation_is_recorded_and_can_be_amended(api):
    complaint = ComplaintFactory()

    api.patch(
        f"{URL}{complaint.pk}/",
        {"compensation_kind": "voucher", "compensation_amount": "15.00"},
        format="json",
    )
    response = api.patch(f"{URL}{complaint.pk}/", {"compensation_amount": "20.00"}, format="json")

    assert response.json()["compensation_kind"] == "voucher"
    assert response.json()["compensation_amount"] == "20.00"


def test_a_compensation_amount_needs_its_kind(api):
    complaint = ComplaintFactory()

    response = api.patch(f"{URL}{complaint.pk}/", {"compensation_amount": "5.00"}, format="json")

    assert response.status_code == 400
    assert "compensation_kind" in response.json()


def test_status_moves_along_a_case_life(api):
    complaint = ComplaintFactory()

    def move(status, **extra):
        return api.patch(f"{URL}{complaint.pk}/", {"status": status, **extra}, format="json")

    assert move("waiting_customer").json()["status"] == "waiting_customer"
    assert move("in_progress").json()["status"] == "in_progress"
    resolved = move("resolved", resolution_note="Refunded").json()
    assert (resolved["status"], resolved["resolution_note"]) == ("resolved", "Refunded")
    assert resolved["resolved_at"] is not None
    assert move("closed").json()["status"] == "closed"
    reopened = move("open", note="Customer wrote again").json()
    assert (reopened["status"], reopened["resolved_at"]) == ("open", None)


def test_a_status_move_that_makes_no_sense_is_a_400(api):
    complaint = ComplaintFactory()

    response = api.patch(f"{URL}{complaint.pk}/", {"status": "closed"}, format="json")

    assert response.status_code == 400
    assert "status" in response.json()
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.OPEN


def test_a_failed_patch_changes_nothing(api, manager):
    complaint = ComplaintFactory(severity="low")

    response = api.patch(f"{URL}{complaint.pk}/", {"severity": "high", "status": "closed"}, format="json")

    assert response.status_code == 400
    complaint.refresh_from_db()
    assert complaint.severity == "low"


def test_resolve_records_the_note_and_a_second_resolve_is_a_400(api):
    complaint = ComplaintFactory()

    response = api.post(f"{URL}{complaint.pk}/resolve/", {"resolution_note": "Sent a new one"}, format="json")
    again = api.post(f"{URL}{complaint.pk}/resolve/", {}, format="json")

    assert response.status_code == 200
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RESOLVED
    assert complaint.resolution_note == "Sent a new one"
    assert again.status_code == 400
    assert "status" in again.json()


def test_complaints_filter_by_status_severity_reason_and_assignee(api, support):
    open_case = ComplaintFactory(status="open", severity="high", reason="delivery_late")
    waiting = ComplaintFactory(status="waiting_customer", assignee=support, reason="other")
    ComplaintFactory(status="resolved")

    def found(**params):
        response = api.get(URL, params)
        assert response.status_code == 200
        return {c["id"] for c in response.json()["results"]}

    assert found(status="open") == {open_case.pk}
    assert found(status=["open", "waiting_customer"]) == {open_case.pk, waiting.pk}
    assert found(severity="high") == {open_case.pk}
    assert found(reason="other") == {waiting.pk}
    assert found(assignee=support.username) == {waiting.pk}
    assert found(customer=open_case.customer_id) == {open_case.pk}
    assert api.get(URL, {"status": "lost"}).status_code == 400


def test_complaints_list_runs_a_fixed_number_of_queries(api, support, django_assert_max_num_queries):
    for _ in range(20):
        ComplaintFactory(assignee=support, sale=SaleFactory())
    api.get(URL)

    with django_assert_max_num_queries(5):
        response = api.get(URL)

    assert response.json()["count"] == 20

"""The queue, the case page and its actions, as support staff use them."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.choices import ComplaintStatus, Severity, TimelineKind
from customers.models import Complaint
from followups.dispatch import dispatch_due
from followups.models import Kind, Message, State
from tests.conftest import make_staff
from tests.customers.factories import ComplaintFactory, SaleFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)  # a Tuesday, 10:30 in Madrid


def case_url(case, action=None):
    if action:
        return reverse("support:case_action", args=[case.pk, action])
    return reverse("support:case", args=[case.pk])


@time_machine.travel(NOW, tick=False)
def test_the_queue_counts_each_view_and_orders_by_next_due_time(support_client, support):
    later = ComplaintFactory(severity=Severity.LOW)
    sooner = ComplaintFactory(severity=Severity.CRITICAL)
    ComplaintFactory(assignee=support, status=ComplaintStatus.IN_PROGRESS)
    ComplaintFactory(status=ComplaintStatus.RESOLVED, resolved_at=NOW)

    response = support_client.get(reverse("support:queue") + "?view=unassigned")
    assert response.status_code == 200
    counts = response.context["counts"]
    assert (counts["unassigned"], counts["mine"], counts["open"]) == (2, 1, 3)
    assert [c.pk for c in response.context["page"].object_list] == [sooner.pk, later.pk]


@time_machine.travel(NOW, tick=False)
def test_the_queue_filters_by_severity(support_client):
    ComplaintFactory(severity=Severity.LOW)
    high = ComplaintFactory(severity=Severity.HIGH)
    response = support_client.get(reverse("support:queue") + "?view=open&severity=high")
    assert [c.pk for c in response.context["page"].object_list] == [high.pk]


def test_support_staff_land_on_their_queue(support_client):
    assert support_client.get("/").url == reverse("support:queue")


def test_take_next_assigns_the_most_urgent_unassigned_case(support_client, support):
    ComplaintFactory(severity=Severity.LOW)
    urgent = ComplaintFactory(severity=Severity.CRITICAL)
    response = support_client.post(reverse("support:take_next"))
    assert response.url == case_url(urgent)
    urgent.refresh_from_db()
    assert (urgent.assignee, urgent.status) == (support, ComplaintStatus.IN_PROGRESS)


def test_two_agents_taking_next_get_different_cases(client, support):
    first, second = ComplaintFactory(), ComplaintFactory()
    other = make_staff("lucia", "Support")
    client.force_login(support)
    client.post(reverse("support:take_next"))
    client.force_login(other)
    client.post(reverse("support:take_next"))
    assert {c.assignee for c in Complaint.objects.filter(pk__in=[first.pk, second.pk])} == {support, other}


def test_a_reply_goes_out_through_the_outbox_with_a_reply_to_of_its_case(support_client, outbox_mail, shop):
    case = shop.open_case(shop.customer(name="Ana Díaz", email="ana@example.com"))
    response = support_client.post(
        case_url(case, "reply"), {"text": "Hola Ana, lo revisamos hoy.", "waiting_customer": "on"}
    )
    assert response.status_code == 302
    message = Message.objects.get(kind=Kind.CASE_REPLY)
    assert (message.complaint, message.category) == (case, "transactional")
    dispatch_due()
    message.refresh_from_db()
    assert message.state == State.SENT
    mail = outbox_mail[-1]
    assert "Hola Ana, lo revisamos hoy." in mail.body
    assert "Hola Ana, lo revisamos hoy." in mail.alternatives[0][0]
    assert mail.reply_to[0].startswith(f"soporte+case-{case.pk}-")
    case.refresh_from_db()
    assert case.status == ComplaintStatus.WAITING_CUSTOMER and case.first_response_at


def test_the_reply_preview_renders_the_mail_and_sends_nothing(support_client, shop):
    case = shop.open_case(shop.customer())
    response = support_client.post(
        reverse("support:reply_preview", args=[case.pk]), {"text": "Texto de prueba"}
    )
    assert b"Texto de prueba" in response.content
    assert not Message.objects.filter(kind=Kind.CASE_REPLY).exists()


def test_note_call_compensation_resolve_and_reopen(support_client, shop):
    case = shop.open_case(shop.customer())
    assert support_client.post(case_url(case, "note"), {"text": "Revisar almacén"}).status_code == 302
    assert (
        support_client.post(
            case_url(case, "call"), {"outcome": "reached", "minutes": "4", "text": "Confirma dirección"}
        ).status_code
        == 302
    )
    assert (
        support_client.post(case_url(case, "compensate"), {"kind": "voucher", "amount": "10.00"}).status_code
        == 302
    )
    assert (
        support_client.post(
            case_url(case, "resolve"), {"reason": "delivery_damaged", "note": "Reenviado"}
        ).status_code
        == 302
    )
    case.refresh_from_db()
    assert (case.status, case.compensation_amount, case.reason) == (
        ComplaintStatus.RESOLVED,
        Decimal("10.00"),
        "delivery_damaged",
    )
    kinds = set(case.timeline.values_list("kind", flat=True))
    assert {TimelineKind.NOTE, TimelineKind.CALL} <= kinds
    assert "4 min" in case.timeline.get(kind=TimelineKind.CALL).body
    assert support_client.post(case_url(case, "reopen"), {"why": "Sigue roto"}).status_code == 302
    case.refresh_from_db()
    assert case.status == ComplaintStatus.OPEN and case.resolution_due_at


def test_bad_input_is_a_form_error_not_a_500(support_client, shop):
    case = shop.open_case(shop.customer())
    assert (
        support_client.post(case_url(case, "compensate"), {"kind": "voucher", "amount": "-3"}).status_code
        == 400
    )
    assert support_client.post(case_url(case, "status"), {"status": "closed"}).status_code == 400
    assert support_client.post(case_url(case, "reply"), {"text": ""}).status_code == 400
    assert support_client.post(case_url(case, "nonsense"), {}).status_code == 404
    assert support_client.get(reverse("support:case", args=[999999])).status_code == 404


def test_a_user_without_a_role_sees_no_case_and_no_customer(client, shop):
    from django.contrib.auth.models import User

    case = shop.open_case(shop.customer())
    client.force_login(User.objects.create_user("nadie", password="x"))
    assert client.get(reverse("support:queue")).status_code == 403
    assert client.get(case_url(case)).status_code == 403
    assert client.get(reverse("customers:list")).status_code == 403
    assert client.get(reverse("customers:detail", args=[case.customer_id])).status_code == 403


def test_staff_pages_carry_security_headers(support_client):
    response = support_client.get(reverse("support:queue"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "no-store"


def test_macros_and_calendar_are_for_managers(client, support, manager):
    client.force_login(support)
    assert client.get(reverse("support:macros")).status_code == 403
    assert client.get(reverse("support:calendar")).status_code == 403
    client.force_login(manager)
    assert client.get(reverse("support:calendar")).status_code == 200


def test_a_manager_edits_the_calendar_and_open_cases_follow(
    manager_client, django_capture_on_commit_callbacks
):
    case = ComplaintFactory(opened_at=dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC), severity=Severity.HIGH)
    form = {
        "time_zone": "Europe/Madrid",
        "country": "ES",
        "subdivision": "MD",
        "due_soon_percent": "80",
        "closed_days": "2026-03-11 Inventario",
        **{f"hours_{d}": "09:00-18:00" for d in range(5)},
        "target_critical": "1 / 2 / 4",
        "target_high": "2 / 4 / 16",
        "target_normal": "4 / 8 / 24",
        "target_low": "8 / 16 / 72",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(reverse("support:calendar"), form)
    assert response.status_code == 302
    case.refresh_from_db()
    # Tuesday 09:00 Madrid + 16 h: 9 on Tuesday, Wednesday closed, 7 on Thursday.
    assert case.resolution_due_at == dt.datetime(2026, 3, 12, 15, 0, tzinfo=dt.UTC)
    bad = {**form, "hours_0": "18:00-09:00", "target_low": "x"}
    assert manager_client.post(reverse("support:calendar"), bad).status_code == 400


def test_a_manager_writes_a_macro_that_support_applies(client, manager, support, shop, outbox_mail):
    client.force_login(manager)
    assert (
        client.post(
            reverse("support:macros"),
            {
                "name": "Retraso",
                "body": "Hola {first_name}, tu pedido {order} llega pronto.",
                "set_status": "waiting_customer",
                "compensation_kind": "voucher",
                "compensation_amount": "5",
                "then": "stay",
            },
        ).status_code
        == 302
    )
    customer = shop.customer(name="Ana Díaz")
    case = shop.open_case(customer, sale=shop.sale(customer))
    client.force_login(support)
    from support.models import Macro

    macro = Macro.objects.get()
    client.post(reverse("support:macro_apply", args=[case.pk, macro.pk]))
    case.refresh_from_db()
    assert (case.status, case.compensation_kind) == (ComplaintStatus.WAITING_CUSTOMER, "voucher")
    body = Message.objects.get(kind=Kind.CASE_REPLY).data["body"]
    assert body == f"Hola Ana, tu pedido {case.sale.external_id} llega pronto."


def _data(n: int, support):
    for i in range(n):
        sale = SaleFactory(lines=2)
        ComplaintFactory(customer=sale.customer, sale=sale, assignee=support if i % 2 else None)


def test_queue_and_case_pages_cost_the_same_queries_at_any_size(support_client, support):
    _data(3, support)
    case = Complaint.objects.first()
    with CaptureQueriesContext(connection) as small_queue:
        support_client.get(reverse("support:queue"))
    with CaptureQueriesContext(connection) as small_case:
        support_client.get(case_url(case))
    _data(30, support)
    for _i in range(10):
        support_client.post(case_url(case, "note"), {"text": "otra nota"})
    with CaptureQueriesContext(connection) as big_queue:
        support_client.get(reverse("support:queue"))
    with CaptureQueriesContext(connection) as big_case:
        support_client.get(case_url(case))
    assert len(big_queue) == len(small_queue)
    assert len(big_case) == len(small_case)
    assert timezone.now()


def test_managers_can_use_the_admin_and_support_staff_cannot(client, manager, support):
    client.force_login(manager)
    assert client.get("/admin/").status_code == 200
    assert client.get(reverse("admin:support_macro_changelist")).status_code == 200
    client.force_login(support)
    assert client.get("/admin/").status_code == 302  # to the admin's login


def test_the_customer_page_costs_the_same_queries_at_any_size(support_client, shop):
    from customers.services import note_add

    ana = shop.customer(name="Ana Díaz")
    shop.open_case(ana, sale=shop.sale(ana))
    url = reverse("customers:detail", args=[ana.pk])
    with CaptureQueriesContext(connection) as small:
        assert support_client.get(url).status_code == 200
    for _i in range(5):
        sale = shop.sale(ana)
        shop.open_case(ana, sale=sale)
        note_add(customer=ana, text="nota")
    with CaptureQueriesContext(connection) as big:
        support_client.get(url)
    assert len(big) == len(small)


@time_machine.travel(NOW, tick=False)
def test_the_api_gives_each_case_its_due_times_and_sla_state(support_client, shop):
    case = shop.open_case(shop.customer())
    row = support_client.get(f"/api/v1/complaints/{case.pk}/").json()
    assert row["resolution_due_at"] is not None and row["first_response_due_at"] is not None
    assert row["next_response_due_at"] is None
    assert row["sla_state"] == "ok"

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.core import checks
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.choices import (
    ComplaintSource,
    DelayReason,
    DeliveryStatus,
    LifecycleStage,
    Reason,
    Severity,
)
from customers.models import Customer, Delivery, Sale
from customers.services import note_add
from followups.models import FollowupRules, KeptMail
from tests.customers.factories import (
    ComplaintFactory,
    CustomerFactory,
    DeliveryFactory,
    SaleFactory,
)

pytestmark = pytest.mark.django_db
ORDERED_AT = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)


def a_customer():
    return CustomerFactory(
        external_id="C-FIND",
        email="find.me@example.es",
        lifecycle_stage=LifecycleStage.LOYAL,
        marketing_consent=True,
    )


def a_sale():
    return DeliveryFactory(
        sale=SaleFactory(external_id="ORD-FIND", ordered_at=ORDERED_AT, channel="store"),
        tracking_number="TRK-FIND",
        status=DeliveryStatus.DELAYED,
        delay_reason=DelayReason.WEATHER,
    ).sale


def a_complaint():
    return ComplaintFactory(
        customer=a_customer(),
        reason=Reason.DELIVERY_LATE,
        severity=Severity.HIGH,
        source=ComplaintSource.SURVEY,
    )


def a_note():
    return note_add(customer=a_customer(), text="Llamó para preguntar")


def a_mail():
    return KeptMail.objects.create(
        message_id="m-1",
        from_email="shop@example.es",
        to="find.me@example.es",
        subject="Gracias por su compra",
    )


def others():
    """Rows that the search or the filter must leave out."""
    DeliveryFactory(sale=SaleFactory(ordered_at=ORDERED_AT), status=DeliveryStatus.IN_TRANSIT)
    ComplaintFactory(severity=Severity.LOW)
    note_add(customer=CustomerFactory(), text="Otra nota")
    KeptMail.objects.create(
        message_id="m-2", from_email="shop@example.es", to="otro@example.es", subject="Otra cosa"
    )


def since_midnight(field: str) -> dict:
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return {f"{field}__gte": str(midnight)}


def this_year() -> dict:
    return {"opened_at__year": timezone.localdate().year}


MARCH = {"ordered_at__gte": "2026-03-01 00:00:00+00:00", "ordered_at__lt": "2026-04-01 00:00:00+00:00"}

# name: (make the row to find, its admin url name, search, filters)
PAGES = {
    "customer": (
        a_customer,
        "customers_customer",
        "C-FIND",
        {
            "lifecycle_stage__exact": "loyal",
            "language__exact": "es",
            "marketing_consent__exact": 1,
            "do_not_contact__exact": 0,
        },
    ),
    "customer by e-mail": (a_customer, "customers_customer", "find.me", {"lifecycle_stage__exact": "loyal"}),
    "sale": (
        a_sale,
        "customers_sale",
        "ORD-FIND",
        {"channel__exact": "store", "delivery__status__exact": "delayed", **MARCH},
    ),
    "sale by tracking number": (a_sale, "customers_sale", "TRK-FIND", {"delivery__status__exact": "delayed"}),
    "delivery": (
        lambda: a_sale().delivery,
        "customers_delivery",
        "TRK-FIND",
        {"status__exact": "delayed", "delay_reason__exact": "weather"},
    ),
    "complaint": (
        a_complaint,
        "customers_complaint",
        "find.me@example.es",
        {
            "status__exact": "open",
            "severity__exact": "high",
            "reason__exact": "delivery_late",
            "source__exact": "survey",
            **this_year(),
        },
    ),
    "timeline entry": (a_note, "customers_timelineentry", "C-FIND", {"kind__exact": "note"}),
    "kept mail": (a_mail, "followups_keptmail", "Gracias", since_midnight("sent_at")),
}


@pytest.mark.parametrize(("make", "url_name", "search", "filters"), list(PAGES.values()), ids=list(PAGES))
def test_staff_find_a_row_by_search_and_filter_and_open_it(admin_client, make, url_name, search, filters):
    row = make()
    others()

    query = urlencode({"q": search, **filters})
    found = admin_client.get(f"{reverse(f'admin:{url_name}_changelist')}?{query}")
    opened = admin_client.get(reverse(f"admin:{url_name}_change", args=[row.pk]))

    assert found.status_code == 200  # an unknown filter would redirect with ?e=1
    assert list(found.context["cl"].result_list) == [row]
    assert opened.status_code == 200


def test_the_follow_up_rules_open_in_the_admin(admin_client):
    rules = FollowupRules.current()

    listed = admin_client.get(reverse("admin:followups_followuprules_changelist"))
    opened = admin_client.get(reverse("admin:followups_followuprules_change", args=[rules.pk]))

    assert (listed.status_code, opened.status_code) == (200, 200)
    assert list(listed.context["cl"].result_list) == [rules]


def test_there_is_only_one_set_of_follow_up_rules(admin_client):
    FollowupRules.current()

    assert admin_client.get(reverse("admin:followups_followuprules_add")).status_code == 403


@pytest.mark.parametrize(
    "url_name",
    [
        "customers_customer",
        "customers_sale",
        "customers_delivery",
        "customers_complaint",
        "customers_timelineentry",
    ],
)
def test_the_add_pages_open(admin_client, url_name):
    assert admin_client.get(reverse(f"admin:{url_name}_add")).status_code == 200


def test_kept_mail_can_be_read_but_not_written(admin_client):
    mail = a_mail()
    url = reverse("admin:followups_keptmail_change", args=[mail.pk])

    assert admin_client.get(reverse("admin:followups_keptmail_add")).status_code == 403
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"subject": "Cambiado"}).status_code == 403
    assert KeptMail.objects.get(pk=mail.pk).subject == "Gracias por su compra"


def test_the_admin_passes_djangos_checks():
    assert checks.run_checks(tags=[checks.Tags.admin]) == []


def test_no_customer_select_lists_every_customer(admin_client):
    CustomerFactory.create_batch(3)

    for url_name in ("customers_sale", "customers_complaint", "customers_timelineentry"):
        page = admin_client.get(reverse(f"admin:{url_name}_add")).content.decode()
        assert page.count("<option") < 60, url_name  # choices, never one option per customer
        assert Customer.objects.first().name not in page, url_name


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_customer_list_of_60_customers_runs_a_bounded_number_of_queries(
    admin_client, django_assert_max_num_queries
):
    CustomerFactory.create_batch(60)
    admin_client.get(reverse("admin:customers_customer_changelist"))  # the session warms up

    with django_assert_max_num_queries(8):
        page = admin_client.get(reverse("admin:customers_customer_changelist"))

    assert len(page.context["cl"].result_list) == 60


@pytest.mark.parametrize(
    "url_name",
    [
        "customers_customer",
        "customers_sale",
        "customers_delivery",
        "customers_complaint",
        "customers_timelineentry",
    ],
)
def test_a_list_runs_the_same_queries_for_3_rows_as_for_30(admin_client, url_name):
    def rows(count):
        for _ in range(count):
            sale = DeliveryFactory(sale=SaleFactory(ordered_at=ORDERED_AT)).sale
            complaint = ComplaintFactory(customer=sale.customer, sale=sale)
            note_add(customer=sale.customer, text="Nota", complaint=complaint)

    url = reverse(f"admin:{url_name}_changelist")
    rows(3)
    admin_client.get(url)
    few = queries_for(admin_client, url)
    rows(27)

    assert queries_for(admin_client, url) == few


# --- what the admin keeps in step when staff write through it ---------------------------------


def test_a_birth_date_changed_in_the_admin_moves_the_birthday_key(admin_client):
    customer = CustomerFactory(birth_date=dt.date(1990, 1, 2))
    data = {
        "external_id": customer.external_id,
        "name": customer.name,
        "email": customer.email,
        "phone": "",
        "birth_date": "1990-12-24",
        "language": "es",
        "time_zone": "",
        "consent_source": "",
        "lifecycle_stage": "new",
    }

    response = admin_client.post(reverse("admin:customers_customer_change", args=[customer.pk]), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Customer.objects.get(pk=customer.pk).birthday_key == 1224


def sale_form(customer, *, delivered_at=""):
    return {
        "external_id": "ORD-ADMIN",
        "customer": customer.pk,
        "ordered_at_0": "2026-03-01",
        "ordered_at_1": "10:00:00",
        "channel": "online",
        "currency": "EUR",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-name": "Cafetera",
        "lines-0-quantity": "2",
        "lines-0-unit_price": "49.95",
        "lines-1-name": "Guía",
        "lines-1-quantity": "1",
        "lines-1-unit_price": "19.90",
        "delivery-TOTAL_FORMS": "1",
        "delivery-INITIAL_FORMS": "0",
        "delivery-0-carrier": "SEUR",
        "delivery-0-status": "in_transit",
        "delivery-0-delivered_at_0": delivered_at[:10],
        "delivery-0-delivered_at_1": delivered_at[11:],
    }


def test_a_sale_added_in_the_admin_gets_its_total_and_its_delivery_gets_the_order_time(admin_client):
    customer = CustomerFactory()

    response = admin_client.post(reverse("admin:customers_sale_add"), sale_form(customer))

    assert response.status_code == 302
    sale = Sale.objects.get(external_id="ORD-ADMIN")
    assert sale.total == Decimal("119.80")
    assert sale.delivery.ordered_at == sale.ordered_at


def test_the_admin_refuses_a_delivery_before_its_order_with_a_message(admin_client):
    response = admin_client.post(
        reverse("admin:customers_sale_add"), sale_form(CustomerFactory(), delivered_at="2026-02-28 10:00:00")
    )

    assert response.status_code == 200
    assert "delivered_at" in response.context["inline_admin_formsets"][1].formset.errors[0]
    assert not Sale.objects.exists()


def test_a_status_changed_in_the_admin_moves_the_status_time(admin_client):
    delivery = DeliveryFactory(status_changed_at=ORDERED_AT)
    data = {
        "sale": delivery.sale_id,
        "carrier": delivery.carrier,
        "tracking_number": "T",
        "status": "delayed",
        "delay_reason": "weather",
    }

    response = admin_client.post(reverse("admin:customers_delivery_change", args=[delivery.pk]), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = Delivery.objects.get(pk=delivery.pk)
    assert (stored.status, stored.ordered_at) == (DeliveryStatus.DELAYED, delivery.ordered_at)
    assert stored.status_changed_at > ORDERED_AT

"""One set of date rules (postsale.lib.dates) at every way in: the CSV import, the API, its filters,
the services and the admin. Dates the database or Python cannot hold are refused where they enter,
with a clear message, instead of failing later (a 500, a planner that plans nothing)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from customers import services
from customers.importing import sales_import
from customers.models import Customer, Delivery, Sale
from followups.models import Kind, Message
from tests.customers.api_helpers import api_client, sale_payload
from tests.customers.factories import CustomerFactory, DeliveryFactory, SaleFactory
from tests.customers.test_import_validation import GOOD, messages, nothing_written, write_csv

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 5, 4, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def api(manager):
    client = api_client(manager)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the messages are asserted in English
    return client


def line(order_id: str, **cells) -> dict:
    return {**GOOD, "order_id": order_id, **cells}


# --- the CSV import ---------------------------------------------------------------------------


def test_a_far_future_row_refuses_the_whole_file_and_the_good_rows_plan_once_imported_alone(
    tmp_path, django_capture_on_commit_callbacks
):
    today = "2026-05-04T10:00:00+02:00"  # a thank-you is planned for a recent order only
    good = [
        line("A-1", ordered_at=today),
        line("A-2", ordered_at=today, customer_id="C-2", customer_email="bea@example.com"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        refused = sales_import(
            write_csv(tmp_path / "bad.csv", [*good, line("A-3", ordered_at="9999-12-31T10:00:00+01:00")])
        )

    assert not refused.ok and not refused.committed
    assert messages(refused) == ["line 4, ordered_at: An order time must be between 2000-01-01 and tomorrow."]
    assert nothing_written() == [0, 0, 0, 0, 0]

    with django_capture_on_commit_callbacks(execute=True):
        imported = sales_import(write_csv(tmp_path / "good.csv", good))

    assert imported.ok and imported.committed
    planned = Message.objects.filter(kind=Kind.THANK_YOU)
    assert sorted(planned.values_list("sale__external_id", flat=True)) == ["A-1", "A-2"]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"ordered_at": "0001-01-01T00:00:00+01:00"}, "ordered_at: The date is out of range."),
        (
            {"ordered_at": "1999-12-31T10:00:00+00:00"},
            "ordered_at: An order time must be between 2000-01-01 and tomorrow.",
        ),
        (
            {"ordered_at": "2026-05-06T10:00:00+00:00"},
            "ordered_at: An order time must be between 2000-01-01 and tomorrow.",
        ),
        (
            {"ordered_at": "2026-01-01T00:00:00+16:00"},
            "ordered_at: The time zone offset must be between -15:59 and +15:59.",
        ),
        (
            {"delivered_at": "2026-01-01T00:00:00-16:30"},
            "delivered_at: The time zone offset must be between -15:59 and +15:59.",
        ),
        (
            {"delivered_at": "2026-03-03T10:00:00+01:00"},
            "delivered_at: A delivery must arrive within two years of the order.",
        ),
        (
            {"delivered_at": "2024-02-28T10:00:00+01:00"},
            "delivered_at: A delivery cannot arrive before the order was placed.",
        ),
        (
            {"promised_delivery_date": "2099-01-01"},
            "promised_delivery_date: A delivery date must be within two years after the order date.",
        ),
        (
            {"estimated_delivery_date": "2024-02-01"},
            "estimated_delivery_date: A delivery date must be within two years after the order date.",
        ),
        (
            {"customer_birth_date": "2300-01-01"},
            "customer_birth_date: A birth date must be between 1900-01-01 and today.",
        ),
        (
            {"customer_birth_date": "1850-06-01"},
            "customer_birth_date: A birth date must be between 1900-01-01 and today.",
        ),
    ],
    ids=[
        "year-1-bc-in-utc",
        "before-2000",
        "after-tomorrow",
        "offset-16h",
        "delivered-offset",
        "delivered-over-2-years-later",
        "delivered-before-order",
        "promised-2099",
        "estimated-before",
        "born-2300",
        "born-1850",
    ],
)
def test_each_bad_date_is_a_per_row_error_and_nothing_is_written(tmp_path, cells, expected):
    report = sales_import(write_csv(tmp_path / "f.csv", [line("A-1"), line("A-2", **cells)]))

    assert not report.committed
    assert messages(report) == [f"line 3, {expected}"]
    assert nothing_written() == [0, 0, 0, 0, 0]


def test_dates_at_the_edges_of_the_ranges_are_imported(tmp_path):
    rows = [
        line(
            "A-1",
            ordered_at="2000-01-01T00:00:00+00:00",
            customer_birth_date="1900-01-01",
            delivered_at="2001-12-31T00:00:00+00:00",
            promised_delivery_date="1999-12-31",
        ),
        line(
            "A-2",
            ordered_at="2026-05-05T11:00:00+00:00",
            customer_birth_date="2026-05-04",
            estimated_delivery_date="2028-05-05",
        ),
        line("A-3", ordered_at="2026-05-04T12:00:00+15:59", delivered_at="2026-05-04T12:00-15:59"),
    ]
    report = sales_import(write_csv(tmp_path / "f.csv", rows))

    assert messages(report) == [] and report.committed
    assert Sale.objects.count() == 3


def test_the_command_reports_a_bad_offset_without_a_traceback(tmp_path, capsys):
    path = write_csv(tmp_path / "f.csv", [line("A-1", ordered_at="2026-01-01T00:00:00+16:00")])

    with pytest.raises(CommandError, match="1 errors: nothing was imported"):
        call_command("import_sales", str(path))

    assert "line 2, ordered_at: The time zone offset must be between" in capsys.readouterr().err


def test_the_upload_page_lists_a_bad_offset_instead_of_failing(
    manager_client, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.VAR_DIR = tmp_path
    content = write_csv(tmp_path / "f.csv", [line("A-1", ordered_at="2026-01-01T00:00:00+16:00")])
    upload = SimpleUploadedFile("f.csv", content.read_bytes(), content_type="text/csv")

    with django_capture_on_commit_callbacks(execute=True):  # the check runs (eagerly) after the commit
        posted = manager_client.post(reverse("customers:import"), {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    response = manager_client.get(posted["Location"], HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "The time zone offset must be between -15:59 and +15:59." in response.content.decode()


# --- the API ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ordered_at", "field_error"),
    [
        ("0001-01-01T00:00:00+01:00", None),
        ("9999-12-31T10:00:00+01:00", "An order time must be between 2000-01-01 and tomorrow."),
    ],
)
def test_the_api_refuses_order_times_out_of_range(api, ordered_at, field_error):
    response = api.post("/api/v1/sales/", sale_payload(ordered_at=ordered_at), format="json")

    assert response.status_code == 400, response.content
    assert "ordered_at" in response.json()
    if field_error:
        assert response.json()["ordered_at"] == [field_error]
    assert Sale.objects.count() == 0


def test_the_api_and_the_import_refuse_the_same_birth_date(api, tmp_path):
    report = sales_import(write_csv(tmp_path / "f.csv", [line("A-1", customer_birth_date="2300-01-01")]))
    payload = sale_payload()
    payload["customer"]["birth_date"] = "2300-01-01"
    response = api.post("/api/v1/sales/", payload, format="json")

    message = "A birth date must be between 1900-01-01 and today."
    assert response.status_code == 400
    assert response.json()["customer"]["birth_date"] == [message]
    assert messages(report) == [f"line 2, customer_birth_date: {message}"]


def test_the_api_refuses_delivery_dates_years_after_the_order(api):
    payload = sale_payload(ordered_at="2026-03-03T10:15:00+01:00")
    payload["delivery"] = {"promised_date": "2036-01-01", "delivered_at": "2030-01-01T10:00:00Z"}

    response = api.post("/api/v1/sales/", payload, format="json")

    assert response.status_code == 400
    assert response.json()["delivery"] == {
        "delivered_at": ["A delivery must arrive within two years of the order."],
        "promised_date": ["A delivery date must be within two years after the order date."],
    }


def test_a_delivery_update_far_from_its_order_is_a_400(api):
    sale = SaleFactory(external_id="W-1", ordered_at=dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC))
    DeliveryFactory(sale=sale)

    response = api.patch("/api/v1/sales/W-1/delivery/", {"estimated_date": "2031-01-01"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "estimated_date": ["A delivery date must be within two years after the order date."]
    }


FILTERS = [
    ("/api/v1/messages/", "planned_before"),
    ("/api/v1/messages/", "planned_after"),
    ("/api/v1/sales/", "ordered_after"),
    ("/api/v1/sales/", "ordered_before"),
    ("/api/v1/survey-answers/", "answered_after"),
    ("/api/v1/survey-answers/", "answered_before"),
]


@pytest.mark.parametrize(
    "value", ["2026-01-01T00:00:00+16:00", "2026-01-01T00:00:00-23:59", "0001-01-01T00:00:00+01:00"]
)
@pytest.mark.parametrize(("url", "name"), FILTERS, ids=[name for _url, name in FILTERS])
def test_a_datetime_filter_out_of_range_is_a_400(admin_user, url, name, value):
    response = api_client(admin_user).get(url, {name: value})

    assert response.status_code == 400, response.content
    assert name in response.json()


@pytest.mark.parametrize(("url", "name"), FILTERS, ids=[name for _url, name in FILTERS])
def test_a_datetime_filter_in_range_still_filters(admin_user, url, name):
    response = api_client(admin_user).get(url, {name: "2026-01-01T00:00:00+15:59"})

    assert response.status_code == 200, response.content


def test_sales_ordered_by_time_and_the_customer_page_answer_after_refused_bad_rows(
    api, manager_client, tmp_path
):
    sales_import(
        write_csv(tmp_path / "f.csv", [line("A-1"), line("A-2", ordered_at="0001-01-01T00:00:00+01:00")])
    )
    api.post("/api/v1/sales/", sale_payload(ordered_at="0001-01-01T00:00:00+01:00"), format="json")
    sale = SaleFactory(ordered_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))

    assert api.get("/api/v1/sales/", {"ordering": "ordered_at"}).status_code == 200
    page = manager_client.get(reverse("customers:detail", args=[sale.customer.pk]))
    assert page.status_code == 200
    assert list(Sale.objects.values_list("ordered_at", flat=True)) == [sale.ordered_at]


# --- services and admin -----------------------------------------------------------------------


def test_the_services_refuse_what_the_edges_refuse():
    customer = CustomerFactory()
    line_data = [services.LineData(name="Mochila", quantity=1, unit_price=1)]
    with pytest.raises(ValidationError) as far:
        services.sale_record(
            external_id="S-1",
            customer=customer,
            lines=line_data,
            ordered_at=dt.datetime(9999, 1, 1, tzinfo=dt.UTC),
        )
    delivery = DeliveryFactory(sale=SaleFactory(ordered_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC)))
    with pytest.raises(ValidationError) as late:
        services.delivery_update(delivery=delivery, promised_date=dt.date(2030, 1, 1))

    assert far.value.message_dict == {
        "ordered_at": ["An order time must be between 2000-01-01 and tomorrow."]
    }
    assert late.value.message_dict == {
        "promised_date": ["A delivery date must be within two years after the order date."]
    }


def test_the_admin_refuses_a_birth_date_in_the_future(admin_client):
    customer = CustomerFactory(external_id="C-9", name="Ana", email="ana@example.com")
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    form = {
        "external_id": "C-9",
        "name": "Ana",
        "email": "ana@example.com",
        "language": "es",
        "time_zone": "Europe/Madrid",
        "lifecycle_stage": customer.lifecycle_stage,
        "birth_date": "2300-01-01",
    }

    response = admin_client.post(url, form, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["birth_date"] == [
        "A birth date must be between 1900-01-01 and today."
    ]
    assert Customer.objects.get(pk=customer.pk).birth_date == customer.birth_date


def test_the_admin_refuses_a_sale_in_year_9999_and_a_delivery_years_late(admin_client):
    customer = CustomerFactory()
    add = admin_client.post(
        reverse("admin:customers_sale_add"),
        {
            "external_id": "S-9",
            "customer": customer.pk,
            "ordered_at_0": "9999-01-01",
            "ordered_at_1": "10:00:00",
            "channel": "online",
            "currency": "EUR",
            "lines-TOTAL_FORMS": 0,
            "lines-INITIAL_FORMS": 0,
            "delivery-TOTAL_FORMS": 0,
            "delivery-INITIAL_FORMS": 0,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    delivery = DeliveryFactory(sale=SaleFactory(ordered_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC)))
    change = admin_client.post(
        reverse("admin:customers_delivery_change", args=[delivery.pk]),
        {
            "sale": delivery.sale.pk,
            "carrier": "SEUR",
            "tracking_number": "T",
            "status": "delivered",
            "delay_reason": "",
            "promised_date": "2026-03-04",
            "delivered_at_0": "2029-03-01",
            "delivered_at_1": "10:00:00",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert add.status_code == 200
    assert add.context["adminform"].form.errors["ordered_at"] == [
        "An order time must be between 2000-01-01 and tomorrow."
    ]
    assert not Sale.objects.filter(external_id="S-9").exists()
    assert change.status_code == 200
    assert change.context["adminform"].form.errors["delivered_at"] == [
        "A delivery must arrive within two years of the order."
    ]
    assert Delivery.objects.get(pk=delivery.pk).delivered_at is None
    assert Customer.objects.count() == 2

"""POST /api/v1/sales/bulk/: many orders in one request, through the CSV import's path."""

import copy

import pytest
from django.utils import timezone

from customers.api.bulk import canonical_csv, errors_by_order
from customers.importing import CANONICAL_COLUMNS, ImportReport
from customers.models import Customer, Delivery, Sale, SaleLine
from followups.models import Message
from tests.customers.api_helpers import api_client, sale_payload

URL = "/api/v1/sales/bulk/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def api(manager):
    return api_client(manager)


def order(number: int, **changes) -> dict:
    body = sale_payload(external_id=f"WEB-{number}", **changes)
    body["customer"] = {
        **body["customer"],
        "external_id": f"C-{number % 3}",
        "email": f"c{number % 3}@example.com",
    }
    body["customer"].pop("time_zone")
    return body


def test_a_bulk_post_records_every_order_with_lines_customers_and_deliveries(api):
    response = api.post(URL, {"orders": [order(n) for n in range(1, 7)]}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json() == {
        "orders": 6,
        "customers_created": 3,
        "customers_updated": 0,
        "customers_unchanged": 0,
        "sales_created": 6,
        "sales_updated": 0,
        "sales_unchanged": 0,
        "lines_written": 12,
        "deliveries_created": 6,
        "deliveries_updated": 0,
    }
    assert Sale.objects.count() == 6 and SaleLine.objects.count() == 12 and Delivery.objects.count() == 6
    assert Customer.objects.count() == 3
    sale = Sale.objects.get(external_id="WEB-4")
    assert (sale.customer.external_id, str(sale.total), sale.currency) == ("C-1", "55.00", "EUR")
    assert sorted(sale.lines.values_list("sku", "quantity")) == [("KT-1", 2), ("MG-2", 1)]
    assert (sale.delivery.carrier, str(sale.delivery.promised_date)) == ("SEUR", "2025-03-06")


def test_the_same_orders_again_change_nothing_and_a_changed_one_is_updated(api):
    orders = [order(n) for n in range(1, 4)]
    api.post(URL, {"orders": orders}, format="json")
    again = copy.deepcopy(orders)
    again[1]["delivery"]["status"] = "delivered"
    again[1]["delivery"]["delivered_at"] = "2025-03-05T12:00:00+01:00"

    response = api.post(URL, {"orders": again}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["sales_created"], body["sales_unchanged"], body["deliveries_updated"]) == (0, 3, 1)
    assert Sale.objects.count() == 3
    assert Delivery.objects.get(sale__external_id="WEB-2").status == "delivered"


def test_a_bad_order_names_its_position_and_field_and_nothing_is_written(api):
    orders = [order(1), order(2), order(3)]
    orders[1]["lines"][1]["quantity"] = 0
    orders[2]["customer"]["email"] = "not-an-address"

    response = api.post(URL, {"orders": orders}, format="json")

    assert response.status_code == 400
    errors = response.json()["orders"]
    assert set(errors) == {"1", "2"}
    assert "quantity" in errors["1"]["lines"]["1"]
    assert "email" in errors["2"]["customer"]
    assert not Sale.objects.exists() and not Customer.objects.exists()


def test_fields_the_import_lacks_and_unknown_fields_are_refused_by_name(api):
    with_zone = order(1)
    with_zone["customer"]["time_zone"] = "Europe/Madrid"
    delayed = order(2)
    delayed["delivery"]["delay_reason"] = "weather"

    response = api.post(URL, {"orders": [with_zone, delayed], "dry": True}, format="json")

    assert response.status_code == 400
    body = response.json()
    unknown = body["dry"]
    assert unknown and unknown == body["orders"]["0"]["customer"]["time_zone"]
    assert body["orders"]["1"]["delivery"]["delay_reason"] == unknown
    assert not Sale.objects.exists()


def test_an_order_id_twice_in_one_request_is_refused(api):
    response = api.post(URL, {"orders": [order(1), order(1)]}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    spanish = api.post(URL, {"orders": [order(1), order(1)]}, format="json")

    assert response.status_code == 400
    assert "already order 0 of this request" in response.json()["orders"]["1"]["external_id"][0]
    assert "ya es el pedido 0" in spanish.json()["orders"]["1"]["external_id"][0]
    assert not Sale.objects.exists()


@pytest.mark.parametrize("body", [{}, {"orders": []}, {"orders": "x"}, [], {"orders": [1]}])
def test_empty_or_malformed_bodies_get_a_400(api, body):
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    assert not Sale.objects.exists()


def test_more_than_a_thousand_orders_are_refused(api):
    one = order(1)
    response = api.post(URL, {"orders": [one] * 1001}, format="json")
    assert response.status_code == 400
    assert "orders" in response.json()


def test_errors_the_import_finds_are_answered_at_the_order_and_line_they_came_from():
    orders = [order(1), order(2)]  # two lines each: CSV lines 2-3 and 4-5
    _data, where = canonical_csv(orders)
    assert where == {2: (0, 0), 3: (0, 1), 4: (1, 0), 5: (1, 1)}
    report = ImportReport()
    report.add_error(5, "quantity", "is not a whole number")
    report.add_error(4, "customer_email", "is not valid")
    report.add_error(5, "customer_email", "is not valid")  # the order's lines repeat it
    report.add_error(2, "delivery_status", "is unknown")
    report.add_error(None, "", "The database refused the import")

    assert errors_by_order(report, where) == {
        "orders": {
            "1": {
                "lines": {"1": {"quantity": ["is not a whole number"]}},
                "customer": {"email": ["is not valid"]},
            },
            "0": {"delivery": {"status": ["is unknown"]}},
        },
        "non_field_errors": ["The database refused the import"],
    }


def test_the_csv_a_bulk_post_becomes_is_the_canonical_format(api):
    data, _where = canonical_csv([order(7)])
    header, first, second = data.decode().splitlines()
    assert header.split(",") == list(CANONICAL_COLUMNS)
    row = dict(zip(CANONICAL_COLUMNS, first.split(","), strict=True))
    assert (row["order_id"], row["customer_id"], row["item_sku"], row["quantity"]) == (
        "WEB-7",
        "C-1",
        "KT-1",
        "2",
    )
    assert row["promised_delivery_date"] == "2025-03-06" and row["delivery_status"] == "in_transit"
    assert second.split(",")[CANONICAL_COLUMNS.index("item_sku")] == "MG-2"


def test_new_recent_orders_reach_the_follow_up_engine(api, django_capture_on_commit_callbacks):
    fresh = order(1, ordered_at=timezone.now().isoformat())
    fresh["delivery"] = {"carrier": "SEUR", "status": "in_transit"}
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(URL, {"orders": [fresh]}, format="json")
    assert response.status_code == 201
    assert Message.objects.filter(sale__external_id="WEB-1", kind="thank_you").exists()


def test_reading_only_users_cannot_post_in_bulk(support):
    response = api_client(support).post(URL, {"orders": [order(1)]}, format="json")
    assert response.status_code == 403
    assert not Sale.objects.exists()


def test_without_a_token_it_is_refused():
    response = api_client().post(URL, {"orders": [order(1)]}, format="json")
    assert response.status_code in (401, 403)

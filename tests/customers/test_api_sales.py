import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from customers.choices import DeliveryStatus, TimelineKind
from customers.models import Customer, Delivery, Sale, SaleLine, TimelineEntry
from tests.customers.api_helpers import api_client, sale_payload
from tests.customers.factories import CustomerFactory, DeliveryFactory, SaleFactory
from tests.services import require_postgres

URL = "/api/v1/sales/"


@pytest.fixture
def api(manager):
    return api_client(manager)


def test_posting_a_sale_records_it_with_lines_customer_and_delivery(api):
    response = api.post(URL, sale_payload(), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["external_id"] == "WEB-1001"
    assert body["currency"] == "EUR"
    assert body["total"] == "55.00"
    assert [(x["sku"], x["quantity"], x["amount"]) for x in body["lines"]] == [
        ("KT-1", 2, "49.00"),
        ("MG-2", 1, "6.00"),
    ]
    assert body["delivery"]["carrier"] == "SEUR"
    assert body["delivery"]["promised_date"] == "2025-03-06"
    assert body["customer"]["external_id"] == "C-77"
    customer = Customer.objects.get(external_id="C-77")
    assert (customer.name, customer.birth_date, customer.time_zone) == (
        "Lucía Pérez",
        dt.date(1990, 5, 17),
        "Europe/Madrid",
    )
    sale = Sale.objects.get(external_id="WEB-1001")
    assert sale.customer == customer and sale.total == Decimal("55.00")
    assert sale.delivery.status == DeliveryStatus.IN_TRANSIT


def test_resending_the_same_sale_answers_the_same_and_keeps_one_sale(api):
    first = api.post(URL, sale_payload(), format="json")
    again = api.post(URL, sale_payload(), format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Sale.objects.count() == 1
    assert SaleLine.objects.count() == 2
    assert Delivery.objects.count() == 1
    assert Customer.objects.count() == 1
    assert TimelineEntry.objects.filter(kind=TimelineKind.SALE).count() == 1


def test_resending_with_a_changed_delivery_updates_it(api):
    api.post(URL, sale_payload(), format="json")
    delivery = {
        "carrier": "SEUR",
        "tracking_number": "SE123",
        "promised_date": "2025-03-06",
        "estimated_date": "2025-03-09",
        "status": "delayed",
        "delay_reason": "weather",
    }

    response = api.post(URL, sale_payload(delivery=delivery), format="json")

    assert response.status_code == 200
    assert response.json()["delivery"]["status"] == "delayed"
    stored = Delivery.objects.get()
    assert (stored.estimated_date, stored.delay_reason) == (dt.date(2025, 3, 9), "weather")
    assert TimelineEntry.objects.filter(kind=TimelineKind.DELIVERY).count() == 1


def test_resending_with_other_lines_replaces_them_and_the_total(api):
    api.post(URL, sale_payload(), format="json")
    lines = [{"sku": "KT-1", "name": "Kettle", "quantity": 1, "unit_price": "24.50"}]

    response = api.post(URL, sale_payload(lines=lines), format="json")

    assert response.status_code == 200
    assert response.json()["total"] == "24.50"
    assert list(SaleLine.objects.values_list("sku", "quantity")) == [("KT-1", 1)]


def test_a_sale_without_delivery_answers_delivery_null(api):
    payload = sale_payload()
    del payload["delivery"]

    response = api.post(URL, payload, format="json")

    assert response.status_code == 201
    assert response.json()["delivery"] is None
    assert not Delivery.objects.exists()


def test_a_sale_is_read_by_its_order_id_with_lines_and_delivery(api):
    api.post(URL, sale_payload(external_id="2025.A-7"), format="json")

    response = api.get(f"{URL}2025.A-7/")

    assert response.status_code == 200
    assert response.json()["external_id"] == "2025.A-7"
    assert len(response.json()["lines"]) == 2
    assert response.json()["delivery"]["tracking_number"] == "SE123"
    assert api.get(f"{URL}NOPE-1/").status_code == 404


def test_sales_cannot_be_replaced_or_deleted_through_the_api(api):
    api.post(URL, sale_payload(), format="json")

    assert api.put(f"{URL}WEB-1001/", sale_payload(), format="json").status_code == 405
    assert api.delete(f"{URL}WEB-1001/").status_code == 405
    assert Sale.objects.count() == 1


def test_sales_list_filters_by_customer_channel_and_order_time(api):
    lucia, pablo = CustomerFactory(), CustomerFactory()
    march = dt.datetime(2025, 3, 10, 12, tzinfo=dt.UTC)
    SaleFactory(external_id="A", customer=lucia, ordered_at=march, channel="online")
    SaleFactory(external_id="B", customer=lucia, ordered_at=march + dt.timedelta(days=30), channel="store")
    SaleFactory(external_id="C", customer=pablo, ordered_at=march, channel="online")

    def ids(**params):
        response = api.get(URL, params)
        assert response.status_code == 200
        return sorted(sale["external_id"] for sale in response.json()["results"])

    assert ids(customer=lucia.pk) == ["A", "B"]
    assert ids(customer_external_id=pablo.external_id) == ["C"]
    assert ids(channel="store") == ["B"]
    assert ids(ordered_after="2025-04-01") == ["B"]
    assert ids(ordered_before="2025-03-11T00:00:00Z") == ["A", "C"]
    assert ids(ordered_after="2025-03-01", ordered_before="2025-03-31") == ["A", "C"]
    assert api.get(URL, {"ordered_after": "last week"}).status_code == 400
    assert api.get(URL, {"channel": "fax"}).status_code == 400


def test_sales_list_runs_a_fixed_number_of_queries(api, django_assert_max_num_queries):
    for _ in range(30):
        DeliveryFactory(sale=SaleFactory(lines=3))
    api.get(URL)  # the token lookup and permission caches are not what is measured

    with django_assert_max_num_queries(6):
        response = api.get(URL)

    assert response.json()["count"] == 30
    assert all(len(sale["lines"]) == 3 and sale["delivery"] for sale in response.json()["results"])


def test_support_reads_sales_but_cannot_record_them(support):
    api = api_client(support)

    assert api.get(URL).status_code == 200
    assert api.post(URL, sale_payload(), format="json").status_code == 403
    assert not Sale.objects.exists()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_posts_of_a_new_order_make_one_sale(manager):
    """An integrator's retry racing its own first attempt must not turn into a 500.

    PostgreSQL only: SQLite's IMMEDIATE transactions queue writers, and its in-memory test
    database cannot be shared between threads.
    """
    require_postgres()
    payload, barrier, statuses = sale_payload(), threading.Barrier(2), []
    clients = [api_client(manager), api_client(manager)]

    def post(client):
        barrier.wait()
        statuses.append(client.post(URL, payload, format="json").status_code)
        connection.close()

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 201]
    assert Sale.objects.count() == 1 and SaleLine.objects.count() == 2

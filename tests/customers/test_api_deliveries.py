import datetime as dt

import pytest
from django.utils import timezone

from customers.choices import DeliveryStatus, TimelineKind
from customers.models import Delivery, TimelineEntry
from tests.customers.api_helpers import api_client
from tests.customers.factories import DeliveryFactory, SaleFactory

URL = "/api/v1/deliveries/"


@pytest.fixture
def api(support):
    return api_client(support)


def test_patch_applies_carrier_news_to_a_delivery(api, support):
    delivery = DeliveryFactory(carrier="SEUR")
    later = timezone.localdate() + dt.timedelta(days=40)  # within two years of the order

    response = api.patch(
        f"{URL}{delivery.pk}/",
        {
            "status": "delayed",
            "estimated_date": later.isoformat(),
            "delay_reason": "weather",
            "tracking_number": "NEW-1",
        },
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "delayed"
    assert response.json()["sale"] == delivery.sale.external_id
    delivery.refresh_from_db()
    assert (delivery.status, delivery.estimated_date, delivery.delay_reason, delivery.tracking_number) == (
        "delayed",
        later,
        "weather",
        "NEW-1",
    )
    assert delivery.carrier == "SEUR"  # not sent, not changed
    entry = TimelineEntry.objects.get(kind=TimelineKind.DELIVERY)
    assert entry.author == support


def test_a_delivered_time_marks_the_delivery_delivered(api):
    delivery = DeliveryFactory()
    when = timezone.now().replace(microsecond=0)

    response = api.patch(f"{URL}{delivery.pk}/", {"delivered_at": when.isoformat()}, format="json")

    assert response.json()["status"] == "delivered"
    delivery.refresh_from_db()
    assert delivery.delivered_at == when


def test_delivered_before_the_order_is_a_400_on_delivered_at(api):
    delivery = DeliveryFactory()
    before = delivery.sale.ordered_at - dt.timedelta(days=1)

    response = api.patch(f"{URL}{delivery.pk}/", {"delivered_at": before.isoformat()}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["delivered_at"]
    delivery.refresh_from_db()
    assert delivery.delivered_at is None


def test_a_delivery_is_updated_by_its_order_id(api):
    delivery = DeliveryFactory(sale=SaleFactory(external_id="2025/ES.42"), carrier="SEUR")
    other = DeliveryFactory(sale=SaleFactory(external_id="ES.42"), carrier="SEUR")

    response = api.patch(
        "/api/v1/sales/ES.42/delivery/", {"status": "in_transit", "carrier": "GLS"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["id"] == other.pk
    assert Delivery.objects.get(pk=other.pk).carrier == "GLS"
    assert Delivery.objects.get(pk=delivery.pk).carrier == "SEUR"


def test_patching_the_delivery_of_an_order_without_one_creates_it(api):
    sale = SaleFactory(external_id="A-1")
    promised = (timezone.localdate() + dt.timedelta(days=5)).isoformat()

    response = api.patch(
        "/api/v1/sales/A-1/delivery/", {"carrier": "MRW", "promised_date": promised}, format="json"
    )

    assert response.status_code == 201
    assert sale.delivery.carrier == "MRW"
    assert response.json()["promised_date"] == promised
    assert TimelineEntry.objects.filter(kind=TimelineKind.DELIVERY, sale=sale).count() == 1


def test_an_unknown_delivery_or_order_is_a_404(api):
    assert api.patch(f"{URL}999999/", {"status": "delayed"}, format="json").status_code == 404
    assert api.patch("/api/v1/sales/NOPE/delivery/", {"status": "delayed"}, format="json").status_code == 404


def test_deliveries_cannot_be_replaced_or_deleted(manager):
    delivery = DeliveryFactory()
    api = api_client(manager)

    assert api.put(f"{URL}{delivery.pk}/", {"status": "delayed"}, format="json").status_code == 405
    assert api.delete(f"{URL}{delivery.pk}/").status_code == 405


def test_late_filter_lists_the_open_deliveries_late_today(api):
    today = timezone.localdate()
    overdue = DeliveryFactory(promised_date=today - dt.timedelta(days=1))
    slipping = DeliveryFactory(
        promised_date=today + dt.timedelta(days=1), estimated_date=today + dt.timedelta(days=4)
    )
    on_time = DeliveryFactory(promised_date=today + dt.timedelta(days=1))
    DeliveryFactory(
        promised_date=today - dt.timedelta(days=1),
        status=DeliveryStatus.DELIVERED,
        delivered_at=timezone.now(),
    )

    late = {d["id"] for d in api.get(URL, {"late": "true"}).json()["results"]}
    not_late = {d["id"] for d in api.get(URL, {"late": "false"}).json()["results"]}

    assert late == {overdue.pk, slipping.pk}
    assert on_time.pk in not_late and not late & not_late
    assert all(d["is_late"] for d in api.get(URL, {"late": "true"}).json()["results"])


def test_deliveries_filter_by_status_and_order_id(api):
    delayed = DeliveryFactory(status=DeliveryStatus.DELAYED)
    DeliveryFactory(status=DeliveryStatus.IN_TRANSIT)

    assert [d["id"] for d in api.get(URL, {"status": "delayed"}).json()["results"]] == [delayed.pk]
    assert [d["id"] for d in api.get(URL, {"external_id": delayed.sale.external_id}).json()["results"]] == [
        delayed.pk
    ]
    assert api.get(URL, {"status": "lost"}).status_code == 400

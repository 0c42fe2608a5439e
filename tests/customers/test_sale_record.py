import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from customers import events
from customers.choices import DeliveryStatus, TimelineKind
from customers.models import Delivery, Sale, SaleLine, TimelineEntry
from customers.services import LineData, sale_record
from tests.customers.factories import CustomerFactory, events_recorded

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
ORDERED_AT = NOW - dt.timedelta(days=2)


@pytest.fixture
def customer():
    return CustomerFactory()


def two_lines():
    return [
        LineData(sku="CAF-001", name="Cafetera", category="hogar", quantity=2, unit_price=Decimal("49.95")),
        LineData(
            sku="LIB-200", name="Guía de viajes", category="libros", quantity=1, unit_price=Decimal("19.90")
        ),
    ]


def record(customer, *, lines=None, delivery=None, **kwargs):
    kwargs.setdefault("ordered_at", ORDERED_AT)
    return sale_record(
        external_id="ORD-1",
        customer=customer,
        lines=two_lines() if lines is None else lines,
        delivery=delivery,
        **kwargs,
    )


def delivery_payload(**changes):
    return {
        "carrier": "SEUR",
        "tracking_number": "TRK1",
        "promised_date": dt.date(2026, 3, 12),
        "status": DeliveryStatus.IN_TRANSIT,
        **changes,
    }


def test_a_new_sale_is_stored_with_its_lines_delivery_total_and_timeline_entry(customer):
    result = record(customer, delivery=delivery_payload(), channel="store", currency="eur")

    sale = Sale.objects.get(external_id="ORD-1")
    assert (result.created, result.changed, result.sale) == (True, True, sale)
    assert (sale.customer, sale.ordered_at, sale.channel, sale.currency) == (
        customer,
        ORDERED_AT,
        "store",
        "EUR",
    )
    assert sorted(sale.lines.values_list("sku", "quantity", "unit_price")) == [
        ("CAF-001", 2, Decimal("49.95")),
        ("LIB-200", 1, Decimal("19.90")),
    ]
    assert sale.delivery.tracking_number == "TRK1"
    assert sale.delivery.ordered_at == ORDERED_AT
    entry = TimelineEntry.objects.get(customer=customer)
    assert (entry.kind, entry.sale, entry.at) == (TimelineKind.SALE, sale, ORDERED_AT)
    assert "ORD-1" in entry.text


def test_the_total_is_the_sum_of_quantity_times_unit_price(customer):
    record(customer)

    assert Sale.objects.get().total == Decimal("119.80")  # 2 x 49.95 + 19.90


def test_a_new_sale_publishes_sale_recorded_on_commit(customer, django_capture_on_commit_callbacks):
    with events_recorded() as seen:
        with django_capture_on_commit_callbacks(execute=True):
            sale = record(customer, delivery=delivery_payload()).sale
            assert seen == []  # subscribers wait for the commit

    assert seen == [
        (events.SALE_RECORDED, {"sale_ids": [sale.pk]}),
        (events.DELIVERY_CHANGED, {"delivery_ids": [sale.delivery.pk]}),
    ]


def test_a_rolled_back_sale_publishes_nothing(customer, django_capture_on_commit_callbacks):
    with events_recorded() as seen:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with pytest.raises(ValidationError):
                record(customer, delivery=delivery_payload(delivered_at=ORDERED_AT - dt.timedelta(hours=1)))

    assert (seen, callbacks) == ([], [])


def test_the_same_payload_twice_leaves_one_sale_and_changes_nothing(
    customer, django_capture_on_commit_callbacks
):
    record(customer, delivery=delivery_payload(delivered_at=ORDERED_AT + dt.timedelta(days=1)))

    with events_recorded() as seen:
        with django_capture_on_commit_callbacks(execute=True):
            again = record(
                customer, delivery=delivery_payload(delivered_at=ORDERED_AT + dt.timedelta(days=1))
            )

    assert (again.created, again.changed) == (False, False)
    assert Sale.objects.count() == 1
    assert SaleLine.objects.count() == 2
    assert TimelineEntry.objects.count() == 1
    assert seen == []


def test_changed_lines_replace_the_old_ones_and_the_total(customer):
    record(customer)
    new_lines = [LineData(sku="AUD-100", name="Auriculares", quantity=3, unit_price=Decimal("10.00"))]

    result = record(customer, lines=new_lines)

    assert (result.created, result.changed) == (False, True)
    assert list(result.sale.lines.values_list("sku", "quantity")) == [("AUD-100", 3)]
    assert Sale.objects.get().total == Decimal("30.00")


def test_an_updated_sale_is_not_announced_as_a_new_one(customer, django_capture_on_commit_callbacks):
    record(customer)

    with events_recorded() as seen:
        with django_capture_on_commit_callbacks(execute=True):
            record(customer, channel="phone")

    assert Sale.objects.get().channel == "phone"
    assert seen == []
    assert TimelineEntry.objects.count() == 1


def test_a_changed_delivery_on_a_known_sale_is_announced(customer, django_capture_on_commit_callbacks):
    sale = record(customer, delivery=delivery_payload()).sale

    with events_recorded() as seen:
        with django_capture_on_commit_callbacks(execute=True):
            result = record(customer, delivery=delivery_payload(estimated_date=dt.date(2026, 3, 20)))

    assert result.changed is True
    assert Delivery.objects.get().estimated_date == dt.date(2026, 3, 20)
    assert seen == [(events.DELIVERY_CHANGED, {"delivery_ids": [sale.delivery.pk]})]


def test_a_new_delivery_with_a_delivered_time_is_delivered(customer):
    record(customer, delivery={"delivered_at": ORDERED_AT + dt.timedelta(days=1)})

    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED


def test_correcting_the_order_time_moves_the_delivery_copy_of_it(customer):
    record(customer, delivery=delivery_payload())
    earlier = ORDERED_AT - dt.timedelta(hours=5)

    record(customer, ordered_at=earlier)

    assert Delivery.objects.get().ordered_at == earlier


def test_an_order_time_corrected_past_its_delivery_is_refused(customer):
    delivered_at = ORDERED_AT + dt.timedelta(days=1)
    record(customer, delivery=delivery_payload(delivered_at=delivered_at))

    with pytest.raises(ValidationError) as refused:
        record(customer, ordered_at=delivered_at + dt.timedelta(hours=1))

    assert "ordered_at" in refused.value.message_dict
    assert Sale.objects.get().ordered_at == ORDERED_AT


def test_an_order_time_and_delivery_time_corrected_together_are_kept(customer):
    record(customer, delivery=delivery_payload(delivered_at=ORDERED_AT + dt.timedelta(days=1)))
    later = ORDERED_AT + dt.timedelta(days=3)

    record(customer, ordered_at=later, delivery=delivery_payload(delivered_at=later + dt.timedelta(days=1)))

    delivery = Delivery.objects.get()
    assert (delivery.ordered_at, delivery.delivered_at) == (later, later + dt.timedelta(days=1))


def test_a_delivery_time_between_the_corrected_and_the_old_order_time_is_accepted(customer):
    record(customer, delivery=delivery_payload())
    earlier = ORDERED_AT - dt.timedelta(days=2)

    record(
        customer,
        ordered_at=earlier,
        delivery=delivery_payload(delivered_at=ORDERED_AT - dt.timedelta(days=1)),
    )

    delivery = Delivery.objects.get()
    assert (delivery.ordered_at, delivery.delivered_at) == (earlier, ORDERED_AT - dt.timedelta(days=1))


@pytest.mark.parametrize(
    ("lines", "delivery", "field"),
    [
        ([], None, "lines"),
        ([LineData(name="Cafetera", quantity=0, unit_price=Decimal(1))], None, "lines"),
        ([LineData(name="Cafetera", quantity=1, unit_price=Decimal("-0.01"))], None, "lines"),
        (None, {"delivered_at": ORDERED_AT - dt.timedelta(minutes=1)}, "delivered_at"),
    ],
    ids=["no lines", "quantity 0", "negative price", "delivered before ordered"],
)
def test_an_invalid_sale_is_refused_with_the_field_and_writes_nothing(customer, lines, delivery, field):
    with pytest.raises(ValidationError) as refused:
        record(customer, lines=lines, delivery=delivery)

    assert field in refused.value.message_dict
    assert (
        Sale.objects.count(),
        SaleLine.objects.count(),
        Delivery.objects.count(),
        TimelineEntry.objects.count(),
    ) == (0, 0, 0, 0)


def test_an_invalid_update_leaves_the_known_sale_as_it_was(customer):
    record(customer, delivery=delivery_payload())

    with pytest.raises(ValidationError) as refused:
        record(
            customer,
            channel="phone",
            lines=[LineData(name="x", quantity=1, unit_price=Decimal(1))],
            delivery={"delivered_at": ORDERED_AT - dt.timedelta(days=1)},
        )

    assert "delivered_at" in refused.value.message_dict
    sale = Sale.objects.get()
    assert (sale.channel, sale.lines.count(), sale.total) == ("online", 2, Decimal("119.80"))
    assert sale.delivery.delivered_at is None

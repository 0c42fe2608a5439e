"""Each rule of the data holds in the database itself, whoever writes (no service involved)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from customers.models import Complaint, Customer, Delivery, Sale, SaleLine
from tests.customers.factories import (
    ComplaintFactory,
    CustomerFactory,
    DeliveryFactory,
    SaleFactory,
    SaleLineFactory,
)

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def test_customer_external_ids_are_unique():
    CustomerFactory(external_id="C-1")

    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(external_id="C-1", name="Otra")


def test_sale_external_ids_are_unique():
    sale = SaleFactory(external_id="ORD-1")

    with pytest.raises(IntegrityError), transaction.atomic():
        Sale.objects.create(external_id="ORD-1", customer=sale.customer, ordered_at=sale.ordered_at)


def test_a_sale_line_has_a_positive_quantity():
    sale = SaleFactory(lines=0)

    with pytest.raises(IntegrityError), transaction.atomic():
        SaleLine.objects.create(sale=sale, name="Cafetera", quantity=0, unit_price=Decimal(1))


def test_a_sale_line_quantity_cannot_be_updated_to_zero():
    line = SaleLineFactory(quantity=2)

    with pytest.raises(IntegrityError), transaction.atomic():
        SaleLine.objects.filter(pk=line.pk).update(quantity=0)


def test_a_sale_line_price_is_not_negative():
    sale = SaleFactory(lines=0)
    SaleLine.objects.create(sale=sale, name="Regalo", quantity=1, unit_price=Decimal(0))

    with pytest.raises(IntegrityError), transaction.atomic():
        SaleLine.objects.create(sale=sale, name="Cafetera", quantity=1, unit_price=Decimal("-0.01"))


def test_a_sale_total_is_not_negative():
    sale = SaleFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Sale.objects.filter(pk=sale.pk).update(total=Decimal("-1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Sale.objects.create(
            external_id="ORD-NEG", customer=sale.customer, ordered_at=sale.ordered_at, total=Decimal("-0.01")
        )


def test_a_delivery_is_not_delivered_before_it_was_ordered():
    sale = SaleFactory()
    Delivery.objects.create(
        sale=SaleFactory(), ordered_at=sale.ordered_at, delivered_at=sale.ordered_at
    )  # the same instant is fine

    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(
            sale=sale, ordered_at=sale.ordered_at, delivered_at=sale.ordered_at - dt.timedelta(seconds=1)
        )


def test_a_delivered_time_cannot_be_moved_before_the_order():
    delivery = DeliveryFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(delivered_at=delivery.ordered_at - HOUR)


def test_a_sale_has_one_delivery():
    delivery = DeliveryFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(sale=delivery.sale, ordered_at=delivery.ordered_at)


def test_compensation_is_not_negative():
    complaint = ComplaintFactory(compensation_amount=Decimal(0))

    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=complaint.pk).update(compensation_amount=Decimal("-5"))
    with pytest.raises(IntegrityError), transaction.atomic():
        ComplaintFactory(compensation_amount=Decimal("-0.01"))


def test_a_case_is_not_resolved_before_it_was_opened():
    complaint = ComplaintFactory(resolved_at=None)
    Complaint.objects.filter(pk=complaint.pk).update(resolved_at=complaint.opened_at)

    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=complaint.pk).update(resolved_at=complaint.opened_at - HOUR)


def test_the_factories_leave_rows_as_the_services_would():
    sale = SaleFactory(lines=3, lines__quantity=2)
    delivered = DeliveryFactory(delivered=True)
    complaint = ComplaintFactory(severity="critical")

    assert sale.total == sum(line.amount for line in sale.lines.all()) == Decimal("119.40")
    assert Sale.objects.get(pk=sale.pk).total == sale.total
    assert delivered.ordered_at == delivered.sale.ordered_at < delivered.delivered_at
    assert delivered.status == "delivered"
    assert complaint.sla_due_at == complaint.opened_at + 4 * HOUR
    assert Customer.objects.filter(birthday_key__isnull=False).count() == Customer.objects.count()

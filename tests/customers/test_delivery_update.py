import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from customers import events
from customers.choices import DelayReason, DeliveryStatus, TimelineKind
from customers.models import Delivery, TimelineEntry
from customers.services import delivery_update
from tests.customers.factories import DeliveryFactory, SaleFactory, events_recorded

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
ORDERED_AT = NOW - dt.timedelta(days=3)


@pytest.fixture
def delivery():
    return DeliveryFactory(sale=SaleFactory(ordered_at=ORDERED_AT), status_changed_at=ORDERED_AT)


def reloaded(delivery: Delivery) -> Delivery:
    return Delivery.objects.get(pk=delivery.pk)


@time_machine.travel(NOW, tick=False)
def test_a_status_change_is_stamped_logged_and_announced(
    delivery, support, django_capture_on_commit_callbacks
):
    with events_recorded() as seen:
        with django_capture_on_commit_callbacks(execute=True):
            result = delivery_update(
                delivery=delivery,
                status=DeliveryStatus.DELAYED,
                delay_reason=DelayReason.WEATHER,
                author=support,
            )

    assert result == delivery
    stored = reloaded(delivery)
    assert (stored.status, stored.delay_reason, stored.status_changed_at) == (
        DeliveryStatus.DELAYED,
        DelayReason.WEATHER,
        NOW,
    )
    entry = TimelineEntry.objects.get()
    assert (entry.kind, entry.sale, entry.author) == (TimelineKind.DELIVERY, delivery.sale, support)
    assert entry.data["changed"] == {"status": "delayed", "delay_reason": "weather"}
    assert seen == [(events.DELIVERY_CHANGED, {"delivery_ids": [delivery.pk]})]


@time_machine.travel(NOW, tick=False)
def test_a_change_that_keeps_the_status_keeps_its_time(delivery):
    delivery_update(delivery=delivery, estimated_date=dt.date(2026, 3, 20))

    stored = reloaded(delivery)
    assert stored.estimated_date == dt.date(2026, 3, 20)
    assert stored.status_changed_at == ORDERED_AT
    assert TimelineEntry.objects.get().data["changed"] == {"estimated_date": "2026-03-20"}


def test_news_that_changes_nothing_returns_none_and_writes_nothing(
    delivery, django_capture_on_commit_callbacks
):
    updated_at = delivery.updated_at

    with events_recorded() as seen:
        with django_capture_on_commit_callbacks(execute=True):
            result = delivery_update(
                delivery=delivery, status=delivery.status, carrier=delivery.carrier, estimated_date=None
            )

    assert result is None
    assert reloaded(delivery).updated_at == updated_at
    assert TimelineEntry.objects.count() == 0
    assert seen == []


def test_a_delivered_time_marks_the_delivery_delivered(delivery):
    delivered_at = ORDERED_AT + dt.timedelta(days=2)

    delivery_update(delivery=delivery, delivered_at=delivered_at)

    stored = reloaded(delivery)
    assert (stored.status, stored.delivered_at) == (DeliveryStatus.DELIVERED, delivered_at)


@time_machine.travel(NOW, tick=False)
def test_delivered_without_a_time_is_delivered_now(delivery):
    delivery_update(delivery=delivery, status=DeliveryStatus.DELIVERED)

    stored = reloaded(delivery)
    assert (stored.status, stored.delivered_at, stored.status_changed_at) == (
        DeliveryStatus.DELIVERED,
        NOW,
        NOW,
    )


def test_marking_delivered_again_keeps_the_first_delivered_time():
    delivery = DeliveryFactory(delivered=True)
    delivered_at = delivery.delivered_at

    assert delivery_update(delivery=delivery, status=DeliveryStatus.DELIVERED) is None
    assert reloaded(delivery).delivered_at == delivered_at


def test_delivered_before_ordered_is_refused_and_writes_nothing(delivery):
    with pytest.raises(ValidationError) as refused:
        delivery_update(delivery=delivery, delivered_at=ORDERED_AT - dt.timedelta(seconds=1), carrier="MRW")

    assert "delivered_at" in refused.value.message_dict
    stored = reloaded(delivery)
    assert (stored.delivered_at, stored.carrier) == (None, delivery.carrier)
    assert TimelineEntry.objects.count() == 0

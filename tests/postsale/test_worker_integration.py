"""A task goes through Redis to a real worker process, and its effect lands in PostgreSQL."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from customers import services
from customers.models import Customer
from customers.tasks import customer_lifecycle_refresh_task
from tests.services import celery_worker, require_postgres, require_redis, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_task_travels_through_redis_to_a_worker_and_writes_postgres():
    require_postgres()
    require_redis()
    customer, _ = services.customer_upsert(external_id="C1", name="Ana Pérez")
    for n in range(3):
        services.sale_record(
            external_id=f"S{n}",
            customer=customer,
            ordered_at=timezone.now() - dt.timedelta(days=n),
            lines=[services.LineData(name="Cafetera", quantity=1, unit_price=Decimal("10"))],
        )
    Customer.objects.filter(pk=customer.pk).update(lifecycle_stage="lost")
    with celery_worker():
        customer_lifecycle_refresh_task.delay([customer.pk])
        stage = wait_for(lambda: Customer.objects.get(pk=customer.pk).lifecycle_stage == "loyal", timeout=60)
    assert stage, "the worker never refreshed the customer's stage"

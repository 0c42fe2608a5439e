"""The refresh computes stages in the database (one statement per batch): it must give what
stage_for says, for every combination of its inputs, and cost the same per batch at any size."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.choices import ComplaintStatus, Feeling
from customers.choices import LifecycleStage as Stage
from customers.lifecycle import (
    lifecycle_refresh,
    lifecycle_refresh_range,
    lifecycle_sweep,
    stage_for,
    sweep_ranges,
)
from customers.models import Customer, Sale
from customers.tasks import lifecycle_sweep_task
from tests.customers.factories import ComplaintFactory, CustomerFactory

NOW = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def sales_for(customer: Customer, count: int, last_days: int | None) -> list[Sale]:
    return [
        Sale(
            external_id=f"G{customer.pk}-{n}",
            customer=customer,
            ordered_at=NOW - (last_days + 20 * n) * DAY,
            channel="online",
            currency="EUR",
            total=Decimal(10),
        )
        for n in range(count)
    ]


# The inputs of stage_for around each of its boundaries: sale counts, days since the last sale
# (180/181 and 365/366 are the edges), the latest feeling, when it was felt against the last
# sale (before, at the same moment, after) and the purchase model's verdict.
SALES = (0, 1, 2, 3)
LAST_DAYS = (0, 180, 181, 365, 366)
FEELINGS = ("", Feeling.UNHAPPY, Feeling.NEUTRAL, Feeling.HAPPY)
FELT = (None, -1, 0, 1)  # days after the last sale; None: no answer
PREDICTED = (None, True, False)


def grid():
    for sales, last_days, feeling, felt, predicted in itertools.product(
        SALES, LAST_DAYS, FEELINGS, FELT, PREDICTED
    ):
        if sales == 0 and last_days != LAST_DAYS[0]:
            continue  # no purchase: the days since the last one do not apply
        if (feeling == "") != (felt is None):
            continue
        yield sales, (None if sales == 0 else last_days), feeling, felt, predicted


def make(sales, last_days, feeling, felt, predicted, stage=Stage.NEW) -> tuple[Customer, dict]:
    last_sale = None if last_days is None else NOW - last_days * DAY
    feeling_at = None if felt is None else (last_sale or NOW - 30 * DAY) + felt * DAY
    customer = CustomerFactory(
        lifecycle_stage=stage, feeling=feeling, feeling_at=feeling_at, predicted_at_risk=predicted
    )
    inputs = {
        "sales": sales,
        "last_sale": last_sale,
        "feeling": feeling,
        "feeling_at": feeling_at,
        "predicted_at_risk": predicted,
    }
    return customer, inputs


def test_the_database_gives_the_stage_stage_for_gives_on_every_combination():
    made, rows = [], []
    for case in grid():
        customer, inputs = make(*case)
        made.append((customer, inputs))
        rows += sales_for(customer, inputs["sales"], case[1])
    Sale.objects.bulk_create(rows)
    expected = {c.pk: stage_for(has_open_case=False, now=NOW, **inputs) for c, inputs in made}
    assert len(set(expected.values())) == len(Stage), "the grid should reach every stage"

    changed = lifecycle_refresh([c.pk for c, _ in made])

    stored = dict(Customer.objects.filter(pk__in=expected).values_list("pk", "lifecycle_stage"))
    wrong = {
        pk: (stored[pk], expected[pk], inputs)
        for (c, inputs), pk in zip(made, expected, strict=True)
        if stored[pk] != expected[pk]
    }
    assert not wrong
    assert changed == sum(stage != Stage.NEW for stage in expected.values())


@pytest.mark.parametrize(
    "status", [ComplaintStatus.OPEN, ComplaintStatus.WAITING_CUSTOMER, ComplaintStatus.RESOLVED]
)
@pytest.mark.parametrize(("sales", "last_days"), [(0, None), (1, 10), (3, 10), (2, 400)])
def test_cases_count_as_stage_for_says(status, sales, last_days):
    customer, inputs = make(sales, last_days, "", None, None, stage=Stage.ACTIVE)
    Sale.objects.bulk_create(sales_for(customer, sales, last_days))
    ComplaintFactory(customer=customer, status=status, resolved_at=NOW if status == "resolved" else None)
    open_case = status != ComplaintStatus.RESOLVED

    lifecycle_refresh_range(customer.pk, customer.pk)

    customer.refresh_from_db()
    assert customer.lifecycle_stage == stage_for(has_open_case=open_case, now=NOW, **inputs)


def shop(customers: int, sales_each: int) -> list[int]:
    made = [make(sales_each, 10 if sales_each else None, "", None, None)[0] for _ in range(customers)]
    Sale.objects.bulk_create([s for c in made for s in sales_for(c, sales_each, 10)])
    return [c.pk for c in made]


@pytest.mark.parametrize(("customers", "sales_each"), [(6, 1), (40, 4)])
def test_a_refresh_is_one_statement_whatever_the_customers_and_their_sales(customers, sales_each):
    ids = shop(customers, sales_each)

    with CaptureQueriesContext(connection) as queries:
        changed = lifecycle_refresh(ids)

    assert len(queries) == 1
    assert changed == (customers if sales_each >= 2 else 0)


def test_the_sweep_runs_one_statement_per_batch_at_any_size():
    per_batch = []
    for customers, sales_each in ((12, 1), (60, 3)):
        shop(customers, sales_each)
        Customer.objects.update(lifecycle_stage=Stage.LOST)
        batches = len(sweep_ranges(batch=5))
        with CaptureQueriesContext(connection) as queries:
            changed = lifecycle_sweep(batch=5)
        per_batch.append((len(queries) - 1) / batches)  # the one query that finds the ranges
        assert changed == Customer.objects.count()
    assert per_batch == [1, 1]


def test_the_beat_task_refreshes_everyone_through_range_tasks():
    loyal, new = shop(3, 3), shop(2, 1)

    batches = lifecycle_sweep_task.delay().get()

    assert batches == len(sweep_ranges())
    stages = dict(Customer.objects.values_list("pk", "lifecycle_stage"))
    assert {stages[pk] for pk in loyal} == {Stage.LOYAL}
    assert {stages[pk] for pk in new} == {Stage.NEW}
    assert lifecycle_sweep() == 0, "a second pass finds nothing to change"


def test_an_empty_shop_has_nothing_to_sweep():
    assert sweep_ranges() == []
    assert lifecycle_sweep() == 0
    assert lifecycle_refresh([]) == 0


def test_the_passing_of_a_day_moves_the_customers_at_a_boundary():
    drifting, _ = make(3, 180, "", None, None, stage=Stage.LOYAL)
    Sale.objects.bulk_create(sales_for(drifting, 3, 180))
    assert lifecycle_sweep() == 0

    assert lifecycle_sweep(now=NOW + DAY) == 1

    assert Customer.objects.get(pk=drifting.pk).lifecycle_stage == Stage.AT_RISK

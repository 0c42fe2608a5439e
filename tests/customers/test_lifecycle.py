import datetime as dt

import pytest
import time_machine

from customers.choices import ComplaintStatus, Feeling
from customers.choices import LifecycleStage as Stage
from customers.lifecycle import lifecycle_refresh, stage_for
from customers.models import Customer
from tests.customers.factories import ComplaintFactory, CustomerFactory, SaleFactory

NOW = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)

STAGES = {
    # name: (sales, days since the last one, open case?, stage); feelings are in FEELINGS
    "no purchase yet": (0, None, False, Stage.NEW),
    "one recent purchase": (1, 10, False, Stage.NEW),
    "two recent purchases": (2, 10, False, Stage.ACTIVE),
    "three recent purchases": (3, 10, False, Stage.LOYAL),
    "many recent purchases": (12, 0, False, Stage.LOYAL),
    "last purchase 180 days ago": (3, 180, False, Stage.LOYAL),
    "last purchase 181 days ago": (3, 181, False, Stage.AT_RISK),
    "last purchase 365 days ago": (1, 365, False, Stage.AT_RISK),
    "last purchase 366 days ago": (5, 366, False, Stage.LOST),
    "open case on a loyal customer": (3, 10, True, Stage.AT_RISK),
    "open case on a lost customer": (1, 400, True, Stage.AT_RISK),
    "open case before any purchase": (0, None, True, Stage.AT_RISK),
}


@pytest.mark.parametrize(("sales", "days", "open_case", "stage"), list(STAGES.values()), ids=list(STAGES))
def test_stage_for(sales, days, open_case, stage):
    last_sale = None if days is None else NOW - days * DAY

    assert stage_for(sales=sales, last_sale=last_sale, has_open_case=open_case, now=NOW) == stage


def customer_in(stage_case: str) -> Customer:
    sales, days, open_case, _stage = STAGES[stage_case]
    customer = CustomerFactory(lifecycle_stage=Stage.NEW)
    for number in range(sales):
        SaleFactory(customer=customer, ordered_at=NOW - (days + 30 * number) * DAY)
    if open_case:
        ComplaintFactory(customer=customer, opened_at=NOW - DAY)
    return customer


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_refresh_stores_each_customers_stage_and_counts_the_changes():
    customers = {name: customer_in(name) for name in STAGES}

    changed = lifecycle_refresh([c.pk for c in customers.values()])

    stored = dict(Customer.objects.values_list("pk", "lifecycle_stage"))
    assert {name: stored[c.pk] for name, c in customers.items()} == {
        name: case[-1] for name, case in STAGES.items()
    }
    assert changed == sum(case[-1] != Stage.NEW for case in STAGES.values())
    assert lifecycle_refresh([c.pk for c in customers.values()]) == 0


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_resolved_case_no_longer_puts_a_customer_at_risk():
    customer = customer_in("three recent purchases")
    ComplaintFactory(customer=customer, status=ComplaintStatus.RESOLVED, resolved_at=NOW)

    lifecycle_refresh([customer.pk])

    assert Customer.objects.get(pk=customer.pk).lifecycle_stage == Stage.LOYAL


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_refresh_leaves_other_customers_alone():
    refreshed, other = customer_in("two recent purchases"), customer_in("two recent purchases")

    lifecycle_refresh([refreshed.pk])

    assert Customer.objects.get(pk=refreshed.pk).lifecycle_stage == Stage.ACTIVE
    assert Customer.objects.get(pk=other.pk).lifecycle_stage == Stage.NEW


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("count", [5, 50])
def test_refresh_runs_a_fixed_number_of_queries_whatever_the_number_of_customers(
    count, django_assert_max_num_queries
):
    names = list(STAGES)
    ids = [customer_in(names[i % len(names)]).pk for i in range(count)]

    # one read, then one UPDATE per stage that gained customers: the same for 5 and for 50
    with django_assert_max_num_queries(1 + len(set(Stage) - {Stage.NEW})):
        changed = lifecycle_refresh(ids)

    assert changed > 0


FEELINGS = {
    # name: (sales, days since the last one, feeling, days since the feeling, stage)
    "detractor after the last purchase": (3, 20, Feeling.UNHAPPY, 5, Stage.AT_RISK),
    "detractor before the last purchase": (3, 5, Feeling.UNHAPPY, 20, Stage.LOYAL),
    "detractor with no purchase": (0, None, Feeling.UNHAPPY, 5, Stage.AT_RISK),
    "promoter with two purchases": (2, 10, Feeling.HAPPY, 3, Stage.LOYAL),
    "passive with two purchases": (2, 10, Feeling.NEUTRAL, 3, Stage.ACTIVE),
    "promoter with one purchase": (1, 10, Feeling.HAPPY, 3, Stage.NEW),
    "promoter long gone": (3, 400, Feeling.HAPPY, 3, Stage.LOST),
}


@pytest.mark.parametrize(
    ("sales", "days", "feeling", "felt_days", "stage"), list(FEELINGS.values()), ids=list(FEELINGS)
)
def test_the_latest_answer_moves_the_stage(sales, days, feeling, felt_days, stage):
    last_sale = None if days is None else NOW - days * DAY
    assert (
        stage_for(
            sales=sales,
            last_sale=last_sale,
            has_open_case=False,
            now=NOW,
            feeling=feeling,
            feeling_at=NOW - felt_days * DAY,
        )
        == stage
    )


@pytest.mark.parametrize(
    ("predicted", "days", "stage"),
    [
        (True, 20, Stage.AT_RISK),  # the model sees a drift the calendar does not
        (False, 200, Stage.LOYAL),  # ...and a regular yearly buyer is no risk at 200 days
        (None, 200, Stage.AT_RISK),  # no model: the 181-365 days rule
        (False, 400, Stage.LOST),
    ],
)
def test_the_purchase_model_replaces_the_calendar_rule_where_it_exists(predicted, days, stage):
    assert (
        stage_for(
            sales=3, last_sale=NOW - days * DAY, has_open_case=False, now=NOW, predicted_at_risk=predicted
        )
        == stage
    )

"""The import gives each new customer the lifecycle stage the refresh would, as it inserts them."""

import csv
import datetime as dt

import pytest
from django.utils import timezone

from customers import events, lifecycle
from customers.importing import CANONICAL_COLUMNS, sales_import
from customers.models import Customer

# customer: days ago of each of their orders in the file
ORDERS = {
    "LOYAL": [3, 20, 40],
    "ACTIVE": [5, 60],
    "DRIFTING": [200],
    "LOST": [400],
    "ONE": [2],
}


def write_rows(path, rows: list[tuple[str, str, int]]):
    """Rows of (order id, customer, days ago), one line each."""
    now = timezone.now()
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=CANONICAL_COLUMNS)
        writer.writeheader()
        for order_id, customer, age in rows:
            writer.writerow(
                {
                    "order_id": order_id,
                    "ordered_at": (now - dt.timedelta(days=age)).isoformat(timespec="seconds"),
                    "customer_id": customer,
                    "customer_name": customer.title(),
                    "item_name": "Mochila",
                    "quantity": 1,
                    "unit_price": "45.00",
                }
            )
    return path


def write(path, orders: dict[str, list[int]]):
    """Each customer's orders, as {customer: [days ago, ...]}; order ids are customer-n."""
    return write_rows(
        path,
        [
            (f"{customer}-{n}", customer, age)
            for customer, ages in orders.items()
            for n, age in enumerate(ages)
        ],
    )


@pytest.fixture
def no_subscribers(monkeypatch):
    """The import alone: nothing refreshes the stages after it."""
    monkeypatch.setattr(events, "_subscribers", events.defaultdict(list))


@pytest.mark.django_db
def test_new_customers_are_inserted_with_their_stage(tmp_path, no_subscribers):
    assert sales_import(write(tmp_path / "stages.csv", ORDERS)).ok
    assert dict(Customer.objects.values_list("external_id", "lifecycle_stage")) == {
        "LOYAL": "loyal",
        "ACTIVE": "active",
        "DRIFTING": "at_risk",
        "LOST": "lost",
        "ONE": "new",
    }
    # The refresh, the one that runs after a sale, agrees on every one of them.
    assert lifecycle.lifecycle_refresh(list(Customer.objects.values_list("pk", flat=True))) == 0


@pytest.mark.django_db
def test_an_existing_customer_keeps_the_refresh_as_the_judge(tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sales_import(write(tmp_path / "first.csv", {"ACTIVE": [5, 60]}))
    with django_capture_on_commit_callbacks(execute=True):
        sales_import(write(tmp_path / "second.csv", {"ACTIVE": [5, 60, 1]}))  # a third order
    assert Customer.objects.get(external_id="ACTIVE").lifecycle_stage == "loyal"


def stages() -> dict[str, str]:
    return dict(Customer.objects.values_list("external_id", "lifecycle_stage"))


@pytest.mark.django_db
def test_a_reimport_that_moves_a_sale_refreshes_both_owners(tmp_path, django_capture_on_commit_callbacks):
    first = [("G-0", "GIVER", 3), ("G-1", "GIVER", 20), ("G-2", "GIVER", 40), ("T-0", "TAKER", 5)]
    with django_capture_on_commit_callbacks(execute=True):
        assert sales_import(write_rows(tmp_path / "first.csv", first)).ok
    assert stages() == {"GIVER": "loyal", "TAKER": "new"}
    # The shop's corrected export: G-2 was TAKER's; GIVER is not in this file at all.
    with django_capture_on_commit_callbacks(execute=True):
        assert sales_import(write_rows(tmp_path / "second.csv", [("G-2", "TAKER", 40)])).ok
    assert stages() == {"GIVER": "active", "TAKER": "active"}


@pytest.mark.django_db
def test_a_reimport_that_corrects_an_order_time_refreshes_the_stage(
    tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert sales_import(write_rows(tmp_path / "first.csv", [("D-0", "DRIFT", 200)])).ok
    assert stages() == {"DRIFT": "at_risk"}
    with django_capture_on_commit_callbacks(execute=True):
        assert sales_import(write_rows(tmp_path / "second.csv", [("D-0", "DRIFT", 2)])).ok
    assert stages() == {"DRIFT": "new"}

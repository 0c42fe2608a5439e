"""The import is set-based: its number of queries does not grow with the size of the file."""

import csv

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.importing import CANONICAL_COLUMNS, sales_import
from customers.models import Delivery, Sale, SaleLine


def orders_csv(path, orders: int, prefix: str):
    """`orders` orders of two lines each, one customer per two orders, half of them delivered."""
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=CANONICAL_COLUMNS)
        writer.writeheader()
        for n in range(orders):
            order = {
                "order_id": f"{prefix}-{n}",
                "ordered_at": f"2024-03-{n % 28 + 1:02d}T10:00:00Z",
                "customer_id": f"{prefix}-C{n // 2}",
                "customer_email": f"c{n // 2}@example.com",
                "customer_name": f"Cliente {n // 2}",
                "carrier": "SEUR",
                "promised_delivery_date": "2024-04-02",
                "delivery_status": "delivered" if n % 2 else "in_transit",
                "delivered_at": "2024-04-01T12:00:00Z" if n % 2 else "",
            }
            writer.writerow({**order, "item_name": "Mochila", "quantity": 1, "unit_price": "45.00"})
            writer.writerow({**order, "item_name": "Gorra", "quantity": 2, "unit_price": "15.50"})
    return path


def queries_to_import(path) -> int:
    with CaptureQueriesContext(connection) as captured:
        report = sales_import(path)
    assert report.ok, [str(e) for e in report.errors]
    return len(captured.captured_queries)


@pytest.mark.django_db
def test_fifty_and_five_hundred_orders_take_the_same_number_of_queries(tmp_path):
    small = orders_csv(tmp_path / "small.csv", 50, "S")
    large = orders_csv(tmp_path / "large.csv", 500, "L")

    first_small, first_large = queries_to_import(small), queries_to_import(large)
    again_small, again_large = queries_to_import(small), queries_to_import(large)

    assert Sale.objects.count() == 550 and SaleLine.objects.count() == 1100
    assert first_small == first_large
    assert again_small == again_large
    assert first_large < 50


@pytest.mark.django_db
def test_a_file_longer_than_a_batch_is_loaded_batch_by_batch(tmp_path, monkeypatch):
    monkeypatch.setattr("customers.importing.staging.BATCH_SIZE", 7)
    report = sales_import(orders_csv(tmp_path / "batches.csv", 40, "B"))

    assert report.ok and report.lines == 80
    assert (Sale.objects.count(), SaleLine.objects.count(), Delivery.objects.count()) == (40, 80, 40)

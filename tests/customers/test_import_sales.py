"""A good sales file imports whole; importing it again changes nothing but what changed."""

import csv
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

from customers import events
from customers.importing import CANONICAL_COLUMNS, sales_import
from customers.models import Customer, Delivery, Sale, SaleLine, TimelineEntry

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "sales_sample.csv"
SHOPIFY = DATA / "shopify_orders_export.csv"


@pytest.fixture(autouse=True)
def english():
    # The messages are asserted in English; the default language is Spanish.
    with translation.override("en"):
        yield


@pytest.fixture
def published():
    """Every domain event published, with its payload, while the test runs."""
    seen: list[tuple[str, dict]] = []
    handlers = {
        name: (lambda name=name, **payload: seen.append((name, payload)))
        for name in (events.SALE_RECORDED, events.DELIVERY_CHANGED)
    }
    for name, handler in handlers.items():
        events.subscribe(name, handler)
    yield seen
    for name, handler in handlers.items():
        events._subscribers[name].remove(handler)


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    """Import as a committed transaction would: the on_commit subscribers run."""

    def run(path, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return sales_import(path, **kwargs)

    return run


def counts():
    return {
        model.__name__: model.objects.count() for model in (Customer, Sale, SaleLine, Delivery, TimelineEntry)
    }


def rewrite(source: Path, target: Path, change) -> Path:
    """Copy a canonical CSV, passing each row (a dict) through change()."""
    with open(source, newline="", encoding="utf-8") as src:
        rows = [change(row) for row in csv.DictReader(src)]
    with open(target, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=CANONICAL_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return target


@pytest.mark.django_db
def test_a_good_file_imports_customers_sales_lines_and_deliveries(run_import, published):
    report = run_import(SAMPLE)

    assert report.ok and report.committed
    assert counts() == {"Customer": 3, "Sale": 4, "SaleLine": 7, "Delivery": 3, "TimelineEntry": 4}
    assert (
        report.customers_created,
        report.sales_created,
        report.lines_written,
        report.deliveries_created,
    ) == (3, 4, 7, 3)
    totals = dict(Sale.objects.values_list("external_id", "total"))
    assert totals == {
        "A-1001": Decimal("114.90"),
        "A-1002": Decimal("45.00"),
        "A-1003": Decimal("120.00"),
        "A-1004": Decimal("60.48"),
    }
    maria = Customer.objects.get(external_id="C-001")
    assert (maria.name, maria.birth_date, maria.birthday_key) == ("María García", dt.date(1985, 6, 14), 614)
    assert maria.sales.count() == 2
    by_email = Customer.objects.get(external_id="lucia.ramos@example.com")
    assert by_email.email == "Lucia.Ramos@Example.com"


@pytest.mark.django_db
def test_imported_rows_look_like_what_the_services_write(run_import):
    run_import(SAMPLE)

    sale = Sale.objects.get(external_id="A-1001")
    delivery = sale.delivery
    assert delivery.ordered_at == sale.ordered_at == dt.datetime(2024, 3, 1, 9, 15, tzinfo=dt.UTC)
    assert (delivery.status, delivery.carrier, delivery.promised_date) == (
        "delivered",
        "SEUR",
        dt.date(2024, 3, 5),
    )
    assert delivery.delivered_at == dt.datetime(2024, 3, 4, 16, 20, tzinfo=dt.UTC)
    assert Sale.objects.get(external_id="A-1003").delivery.status == "in_transit"
    assert Sale.objects.get(external_id="A-1004").delivery.status == "delayed"
    assert not Delivery.objects.filter(sale__external_id="A-1002").exists()
    # A naive time is the shop's time zone (Europe/Madrid, UTC+1 in March).
    naive = Sale.objects.get(external_id="A-1002")
    assert naive.ordered_at == dt.datetime(2024, 3, 2, 8, 0, tzinfo=dt.UTC)
    entry = TimelineEntry.objects.get(sale=sale)
    assert (entry.kind, entry.at, entry.customer_id) == ("sale", sale.ordered_at, sale.customer_id)
    assert (entry.event, entry.data) == (
        "sale.recorded",
        {"order": "A-1001", "total": "114.90", "currency": "EUR"},
    )
    assert "A-1001" in entry.text
    assert list(sale.lines.order_by("id").values_list("sku", "quantity", "unit_price")) == [
        ("ZAP-001", 1, Decimal("89.90")),
        ("CAL-010", 2, Decimal("12.50")),
    ]


@pytest.mark.django_db
def test_new_sales_and_deliveries_are_announced_once_after_the_commit(run_import, published):
    run_import(SAMPLE)

    assert [name for name, _payload in published] == [events.SALE_RECORDED, events.DELIVERY_CHANGED]
    sale_ids = published[0][1]["sale_ids"]
    delivery_ids = published[1][1]["delivery_ids"]
    assert sorted(sale_ids) == sorted(Sale.objects.values_list("id", flat=True))
    assert sorted(delivery_ids) == sorted(Delivery.objects.values_list("id", flat=True))


@pytest.mark.django_db
def test_importing_the_same_file_again_changes_nothing(run_import, published):
    run_import(SAMPLE)
    before = counts()
    stamps = list(Customer.objects.order_by("id").values_list("updated_at", flat=True))
    deliveries = list(Delivery.objects.order_by("id").values_list("updated_at", "status_changed_at"))
    line_ids = list(SaleLine.objects.order_by("id").values_list("id", flat=True))
    published.clear()

    report = run_import(SAMPLE)

    assert report.ok and report.committed
    assert (
        report.customers_created,
        report.customers_updated,
        report.sales_created,
        report.sales_updated,
        report.sales_unchanged,
        report.lines_written,
        report.deliveries_created,
        report.deliveries_updated,
    ) == (0, 0, 0, 0, 4, 0, 0, 0)
    assert counts() == before
    assert list(Customer.objects.order_by("id").values_list("updated_at", flat=True)) == stamps
    assert list(Delivery.objects.order_by("id").values_list("updated_at", "status_changed_at")) == deliveries
    assert list(SaleLine.objects.order_by("id").values_list("id", flat=True)) == line_ids
    assert published == []


@pytest.mark.django_db
def test_a_changed_line_replaces_the_lines_of_that_sale_only(run_import, published, tmp_path):
    run_import(SAMPLE)
    other_lines = list(
        SaleLine.objects.exclude(sale__external_id="A-1004").order_by("id").values_list("id", flat=True)
    )
    published.clear()

    def change(row):
        if row["order_id"] == "A-1004" and row["item_sku"] == "GOR-002":
            row["quantity"] = "3"
        return row

    report = run_import(rewrite(SAMPLE, tmp_path / "changed.csv", change))

    assert (report.sales_updated, report.sales_unchanged, report.lines_written) == (1, 3, 3)
    sale = Sale.objects.get(external_id="A-1004")
    assert sale.total == Decimal("91.48")
    assert sale.lines.get(sku="GOR-002").quantity == 3
    assert (
        list(SaleLine.objects.exclude(sale=sale).order_by("id").values_list("id", flat=True)) == other_lines
    )
    assert SaleLine.objects.count() == 7
    assert TimelineEntry.objects.count() == 4
    assert published == []


@pytest.mark.django_db
def test_a_changed_delivery_updates_that_delivery_only(run_import, published, tmp_path):
    run_import(SAMPLE)
    untouched = dict(Delivery.objects.exclude(sale__external_id="A-1003").values_list("id", "updated_at"))
    published.clear()

    def change(row):
        if row["order_id"] == "A-1003":
            row["delivery_status"] = "delivered"
            row["delivered_at"] = "2024-03-10T12:30:00+01:00"
        return row

    report = run_import(rewrite(SAMPLE, tmp_path / "delivered.csv", change))

    assert (report.deliveries_updated, report.deliveries_created, report.sales_updated) == (1, 0, 0)
    delivery = Delivery.objects.get(sale__external_id="A-1003")
    assert delivery.status == "delivered"
    assert delivery.delivered_at == dt.datetime(2024, 3, 10, 11, 30, tzinfo=dt.UTC)
    assert delivery.status_changed_at > delivery.ordered_at
    assert dict(Delivery.objects.exclude(pk=delivery.pk).values_list("id", "updated_at")) == untouched
    entry = TimelineEntry.objects.get(kind="delivery")
    assert (entry.sale_id, entry.customer_id) == (delivery.sale_id, delivery.sale.customer_id)
    assert published == [(events.DELIVERY_CHANGED, {"delivery_ids": [delivery.pk]})]


@pytest.mark.django_db
def test_a_changed_customer_detail_updates_that_customer(run_import, tmp_path):
    run_import(SAMPLE)

    def change(row):
        if row["customer_id"] == "C-002":
            row["customer_phone"] = "+34 600 000 000"
            row["customer_birth_date"] = "1990-12-24"
        return row

    report = run_import(rewrite(SAMPLE, tmp_path / "phone.csv", change))

    assert (report.customers_updated, report.customers_unchanged) == (1, 2)
    jordi = Customer.objects.get(external_id="C-002")
    assert (jordi.phone, jordi.birthday_key, jordi.name) == ("+34 600 000 000", 1224, "Jordi Soler")


@pytest.mark.django_db
def test_dry_run_reports_what_would_change_and_writes_nothing(run_import, published):
    report = run_import(SAMPLE, dry_run=True)

    assert report.ok and not report.committed
    assert (
        report.customers_created,
        report.sales_created,
        report.lines_written,
        report.deliveries_created,
    ) == (3, 4, 7, 3)
    assert counts() == {"Customer": 0, "Sale": 0, "SaleLine": 0, "Delivery": 0, "TimelineEntry": 0}
    assert published == []


@pytest.mark.django_db
def test_the_command_dry_run_writes_nothing_and_prints_the_summary(capsys):
    call_command("import_sales", str(SAMPLE), "--dry-run")

    out = capsys.readouterr().out
    assert re.search(r"^Sales created +4$", out, re.MULTILINE)
    assert "Dry run: nothing was written." in out
    assert Sale.objects.count() == 0


@pytest.mark.django_db
def test_the_command_imports_the_file(capsys):
    call_command("import_sales", str(SAMPLE))

    assert Sale.objects.count() == 4
    assert "Import complete." in capsys.readouterr().out


@pytest.mark.django_db
def test_a_shopify_orders_export_is_recognised_and_imported(run_import):
    report = run_import(SHOPIFY)

    assert report.ok, [str(e) for e in report.errors]
    assert report.format == "shopify"
    assert counts() == {"Customer": 3, "Sale": 4, "SaleLine": 6, "Delivery": 4, "TimelineEntry": 4}
    first = Sale.objects.get(external_id="#1001")
    assert first.total == Decimal("54.80")
    assert first.ordered_at == dt.datetime(2024, 3, 5, 13, 22, 10, tzinfo=dt.UTC)
    assert (first.currency, first.channel) == ("EUR", "online")
    assert first.lines.count() == 3
    assert set(first.lines.values_list("category", flat=True)) == {"Bialetti", "Cafés La Estrella", ""}
    assert (first.delivery.status, first.delivery.delivered_at) == (
        "delivered",
        dt.datetime(2024, 3, 7, 9, 15, tzinfo=dt.UTC),
    )
    lucia = first.customer
    assert (lucia.external_id, lucia.name, lucia.phone) == (
        "lucia.fernandez@example.com",
        "Lucía Fernández",
        "+34 612 345 678",
    )
    assert lucia.sales.count() == 2
    marc = Customer.objects.get(external_id="marc.puig@example.com")
    assert marc.phone == "+34 699 000 111"
    assert Sale.objects.get(external_id="#1002").delivery.status == "pending"
    assert Sale.objects.get(external_id="#1003").channel == "store"
    assert Sale.objects.get(external_id="#1004").delivery.status == "in_transit"

    again = run_import(SHOPIFY)
    assert (again.sales_unchanged, again.sales_created, again.deliveries_updated) == (4, 0, 0)


@pytest.mark.django_db
def test_a_failure_in_the_middle_of_the_merge_rolls_everything_back(run_import, published, tmp_path):
    run_import(SAMPLE)
    before = dict(Sale.objects.values_list("external_id", "ordered_at"))
    published.clear()

    def change(row):
        if row["order_id"] == "A-1002":
            row["channel"] = "phone"
        if row["order_id"] == "A-1001":  # now ordered after its recorded delivery
            row["ordered_at"] = "2024-03-06T10:00:00+01:00"
            row["delivered_at"] = row["delivery_status"] = ""
        return row

    report = run_import(rewrite(SAMPLE, tmp_path / "impossible.csv", change))

    assert not report.ok and not report.committed
    assert report.errors[0].message.startswith("The database refused the import")
    assert dict(Sale.objects.values_list("external_id", "ordered_at")) == before
    assert Sale.objects.get(external_id="A-1002").channel == "store"
    assert published == []


@pytest.mark.django_db
def test_an_open_binary_file_can_be_imported(run_import):
    with open(SAMPLE, "rb") as source:
        report = run_import(source)

    assert report.ok and Sale.objects.count() == 4


def test_imported_customers_are_found_by_folded_name_and_phone_digits(db, run_import, tmp_path):
    from customers.search import customer_search

    run_import(SAMPLE)
    maria = Customer.objects.get(external_id="C-001")
    assert (maria.search_name, maria.search_phone) == ("maria garcia", "34600111222")
    found = customer_search(Customer.objects.all(), "GARCÍA")
    assert maria in found and customer_search(Customer.objects.all(), "600 111 222").filter(pk=maria.pk)
    jordi = Customer.objects.get(external_id="C-002")
    assert (jordi.search_name, jordi.search_phone) == ("jordi soler", "")

    def change(row):
        if row["customer_id"] == "C-001":  # a new name, the phone left empty: the old one stays
            row["customer_name"], row["customer_phone"] = "María Núñez", ""
        if row["customer_id"] == "C-002":  # a phone for the first time
            row["customer_phone"] = "+34 (93) 555-0101"
        if row["order_id"] == "A-1003":  # a new customer known by e-mail only
            row["customer_id"], row["customer_name"] = "", ""
            row["customer_email"], row["customer_phone"] = "Nandu.Perez@Example.com", ""
        return row

    assert run_import(rewrite(SAMPLE, tmp_path / "renamed.csv", change)).ok
    maria.refresh_from_db()
    assert (maria.search_name, maria.search_phone) == ("maria nunez", "34600111222")
    assert Customer.objects.get(external_id="C-002").search_phone == "34935550101"
    by_email = Customer.objects.get(external_id="nandu.perez@example.com")
    assert (by_email.name, by_email.search_name) == ("Nandu.Perez@Example.com", "nandu.perez@example.com")


@pytest.mark.django_db
def test_search_columns_are_folded_a_page_of_customers_at_a_time(run_import, monkeypatch):
    monkeypatch.setattr("customers.importing.merge.FOLD_PAGE", 1)
    assert run_import(SAMPLE).ok
    assert dict(Customer.objects.values_list("external_id", "search_name")) == {
        "C-001": "maria garcia",
        "C-002": "jordi soler",
        "lucia.ramos@example.com": "lucia ramos",
    }

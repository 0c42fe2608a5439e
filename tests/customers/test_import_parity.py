"""The fast SQL import and the services agree: the same file through `sales_import` and through
`customer_upsert` + `sale_record` leaves the same rows, field by field, and refuses the same bad
line for the same reason."""

import csv
import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date, parse_datetime

from customers import services
from customers.importing import sales_import
from customers.importing.formats import CANONICAL_COLUMNS, detect
from customers.importing.report import ImportReport
from customers.importing.validate import LineCleaner
from customers.models import Customer, Delivery, Sale, SaleLine

SAMPLE = Path(__file__).parent / "data" / "sales_sample.csv"
pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    """Every stored row by its external keys, without ids and clock fields."""

    def rows(model, key, skip=()):
        drop = {"id", "created_at", "updated_at", "status_changed_at", *skip}
        return sorted(
            (
                tuple(
                    (f.attname, getattr(obj, f.attname))
                    for f in model._meta.concrete_fields
                    if f.attname not in drop
                )
            )
            for obj in model.objects.order_by(key)
        )

    customer_of = dict(Customer.objects.values_list("pk", "external_id"))
    sale_of = dict(Sale.objects.values_list("pk", "external_id"))

    def translate(table):
        return [
            tuple(
                (
                    name,
                    customer_of.get(v)
                    if name == "customer_id"
                    else sale_of.get(v)
                    if name == "sale_id"
                    else v,
                )
                for name, v in row
            )
            for row in table
        ]

    return {
        "customers": rows(Customer, "external_id", skip=("lifecycle_stage",)),
        "sales": translate(rows(Sale, "external_id")),
        "lines": translate(rows(SaleLine, "sale_id")),
        "deliveries": translate(rows(Delivery, "sale_id")),
    }


def utc(text: str) -> dt.datetime:
    """Staging keeps times as UTC text."""
    return parse_datetime(text).replace(tzinfo=dt.UTC)


def through_services(path: Path) -> None:
    """The same file as an integrator would send it: one customer_upsert and one sale_record per
    order, the cells read by the import's own line checks (staging text -> Python values)."""
    with path.open(encoding="utf-8") as handle:
        records = list(csv.reader(handle))
    fmt = detect(records[0])
    cleaner = LineCleaner(fmt=fmt, report=ImportReport(), postgres=False)
    orders = defaultdict(list)
    for line, values in enumerate(records[1:], start=2):
        values = values + [""] * (len(CANONICAL_COLUMNS) - len(values))  # optional columns
        row = cleaner.clean((line, values, False))
        orders[row[1]].append(row)
    for order_id, lines in orders.items():
        (
            _line,
            _id,
            ordered_at,
            channel,
            currency,
            customer_key,
            email,
            name,
            phone,
            birth,
            language,
            *_rest,
        ) = lines[-1]
        customer, _ = services.customer_upsert(
            external_id=customer_key,
            email=email,
            name=name,
            phone=phone,
            language=language,
            birth_date=parse_date(birth) if birth else None,
        )
        first = lines[0]
        promised, estimated, delivered, carrier, tracking, status = first[16:22]  # then offer_code
        delivery = {
            "promised_date": promised and parse_date(promised),
            "estimated_date": estimated and parse_date(estimated),
            "delivered_at": delivered and utc(delivered),
            "carrier": carrier,
            "tracking_number": tracking,
            "status": status,
        }
        delivery = {k: v for k, v in delivery.items() if v}
        services.sale_record(
            external_id=order_id,
            customer=customer,
            ordered_at=utc(ordered_at),
            channel=channel,
            currency=currency,
            delivery=delivery or None,
            lines=[
                services.LineData(
                    sku=sku or "",
                    name=item,
                    category=category or "",
                    quantity=int(qty),
                    unit_price=Decimal(price),
                )
                for (sku, item, category, qty, price) in (row[11:16] for row in lines)
            ],
        )


def test_the_import_and_the_services_leave_the_same_rows():
    report = sales_import(str(SAMPLE))
    assert not report.errors, report.errors
    imported = snapshot()
    assert all(imported[table] for table in ("customers", "sales", "lines", "deliveries"))
    for model in (SaleLine, Delivery, Sale, Customer):
        model.objects.all().delete()
    through_services(SAMPLE)
    recorded = snapshot()
    assert recorded["customers"] == imported["customers"]
    assert recorded["sales"] == imported["sales"]
    assert recorded["lines"] == imported["lines"]
    assert recorded["deliveries"] == imported["deliveries"]


def test_both_refuse_a_delivery_before_its_order(tmp_path):
    rows = SAMPLE.read_text(encoding="utf-8").splitlines()
    bad = rows[1].replace("2024-03-04T17:20:00+01:00", "2024-02-20T17:20:00+01:00")
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([rows[0], bad]) + "\n", encoding="utf-8")
    report = sales_import(str(path))
    assert [(error.line, error.field) for error in report.errors] == [(2, "delivered_at")]
    customer, _ = services.customer_upsert(external_id="C-001", name="María García")
    with pytest.raises(ValidationError) as refused:
        services.sale_record(
            external_id="A-1001",
            customer=customer,
            ordered_at=dt.datetime.fromisoformat("2024-03-01T10:15:00+01:00"),
            lines=[services.LineData(name="Zapatillas", quantity=1, unit_price=Decimal("89.90"))],
            delivery={"delivered_at": dt.datetime.fromisoformat("2024-02-20T17:20:00+01:00")},
        )
    assert "delivered_at" in refused.value.message_dict
    assert not Sale.objects.exists()

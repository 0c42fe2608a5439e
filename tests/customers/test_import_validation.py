"""A sales file with any error is reported line by line and imports nothing."""

import csv

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from customers.importing import CANONICAL_COLUMNS, sales_import
from customers.models import Customer, Delivery, Sale, SaleLine, TimelineEntry


@pytest.fixture(autouse=True)
def english():
    # The messages are asserted in English; the default language is Spanish.
    with translation.override("en"):
        yield


GOOD = {
    "order_id": "A-1",
    "ordered_at": "2024-03-01T10:00:00+01:00",
    "channel": "online",
    "currency": "EUR",
    "customer_id": "C-1",
    "customer_email": "ana@example.com",
    "customer_name": "Ana Ruiz",
    "item_name": "Mochila",
    "quantity": "1",
    "unit_price": "45.00",
}


def write_csv(path, rows: list[dict], columns=CANONICAL_COLUMNS):
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows([row.get(col, "") for col in columns] for row in rows)
    return path


def nothing_written():
    return [model.objects.count() for model in (Customer, Sale, SaleLine, Delivery, TimelineEntry)]


def messages(report) -> list[str]:
    return [str(error) for error in report.errors]


@pytest.mark.django_db
def test_each_bad_line_is_reported_with_its_line_number_and_field_and_nothing_is_written(tmp_path):
    rows = [
        GOOD,
        {**GOOD, "order_id": "A-2", "quantity": "0"},
        {**GOOD, "order_id": "A-3", "unit_price": "-1"},
        {**GOOD, "order_id": "A-4", "ordered_at": "05/03/2024"},
        {**GOOD, "order_id": "A-5", "channel": "carrier pigeon"},
        {**GOOD, "order_id": "A-6", "customer_email": "not-an-email"},
        {**GOOD, "order_id": "A-7", "currency": "EURO"},
        {**GOOD, "order_id": "A-8", "delivered_at": "2024-02-28T10:00:00+01:00"},
        {**GOOD, "order_id": "A-9", "customer_id": "", "customer_email": ""},
        {**GOOD, "order_id": "", "item_name": ""},
        {**GOOD, "order_id": "A-10", "delivery_status": "teleported", "customer_language": "fr"},
        {**GOOD, "order_id": "A-11", "unit_price": "1.999", "quantity": "2.5"},
        {**GOOD, "order_id": "A-12", "promised_delivery_date": "2024-02-30"},
    ]
    report = sales_import(write_csv(tmp_path / "bad.csv", rows))

    assert not report.ok and not report.committed
    found = messages(report)
    assert "line 3, quantity: must be a whole number greater than 0" in found
    assert "line 4, unit_price: must be a number greater than or equal to 0, e.g. 12.50" in found
    assert any(m.startswith("line 5, ordered_at: must be an ISO 8601 date and time") for m in found)
    assert any(m.startswith("line 6, channel: “carrier pigeon” is not one of") for m in found)
    assert "line 7, customer_email: is not a valid e-mail address" in found
    assert "line 8, currency: must be a 3-letter currency code such as EUR" in found
    assert "line 9, delivered_at: A delivery cannot arrive before the order was placed." in found
    assert "line 10, customer_id: is required: the customer needs an id or an e-mail address" in found
    assert {"line 11, order_id: is required", "line 11, item_name: is required"} <= set(found)
    assert any(m.startswith("line 12, delivery_status: “teleported”") for m in found)
    assert any(m.startswith("line 12, customer_language: “fr”") for m in found)
    assert "line 13, unit_price: must have at most 2 decimals" in found
    assert "line 13, quantity: must be a whole number greater than 0" in found
    assert any(m.startswith("line 14, promised_delivery_date:") for m in found)
    assert not any(m.startswith("line 2,") for m in found)
    assert report.error_count == len(found) == 15
    assert nothing_written() == [0, 0, 0, 0, 0]


@pytest.mark.django_db
def test_lines_of_one_order_must_agree_on_customer_and_time(tmp_path):
    rows = [
        GOOD,
        {**GOOD, "item_name": "Gorra"},
        {**GOOD, "item_name": "Botella", "customer_id": "C-2"},
        {**GOOD, "item_name": "Taza", "ordered_at": "2024-03-01T11:00:00+01:00"},
        {**GOOD, "order_id": "A-2"},
    ]
    report = sales_import(write_csv(tmp_path / "mixed.csv", rows))

    assert messages(report) == [
        "line 4, customer_id: differs from line 2 of the same order (A-1)",
        "line 5, ordered_at: differs from line 2 of the same order (A-1)",
    ]
    assert nothing_written() == [0, 0, 0, 0, 0]


@pytest.mark.django_db
def test_a_bad_line_anywhere_keeps_the_good_lines_out_too(tmp_path):
    rows = [{**GOOD, "order_id": f"A-{n}"} for n in range(30)] + [{**GOOD, "quantity": "x"}]
    report = sales_import(write_csv(tmp_path / "late_error.csv", rows))

    assert messages(report) == ["line 32, quantity: must be a whole number greater than 0"]
    assert nothing_written() == [0, 0, 0, 0, 0]


@pytest.mark.django_db
def test_usual_spellings_are_accepted(tmp_path):
    rows = [
        {
            **GOOD,
            "channel": "Tienda",
            "delivery_status": "En tránsito",
            "customer_language": "en-GB",
            "currency": "eur",
            "quantity": "2.0",
            "unit_price": "12,50",
            "ordered_at": "2024-03-01 10:00:00",
        }
    ]
    report = sales_import(write_csv(tmp_path / "aliases.csv", rows))

    assert report.ok, messages(report)
    sale = Sale.objects.get()
    assert (sale.channel, sale.currency, sale.total) == ("store", "EUR", 25)
    assert sale.delivery.status == "in_transit"
    assert sale.customer.language == "en"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "The file is empty."),
        (b"\n\n", "The file is empty."),
        (",".join(CANONICAL_COLUMNS).encode() + b"\n", "The file has a header row but no data rows."),
        (b"PK\x03\x04\x14\x00\x06\x00binary spreadsheet", "This is not a CSV file"),
        (b"name;email\nAna;ana@example.com\n", "Unknown header"),
    ],
)
def test_whole_file_problems_get_a_friendly_message(tmp_path, content, expected):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    report = sales_import(path)

    assert len(report.errors) == 1
    assert report.errors[0].line is None
    assert report.errors[0].message.startswith(expected)
    assert nothing_written() == [0, 0, 0, 0, 0]


@pytest.mark.django_db
def test_the_command_prints_the_errors_and_exits_non_zero(tmp_path, capsys):
    path = write_csv(tmp_path / "bad.csv", [GOOD, {**GOOD, "order_id": "A-2", "quantity": "-3"}])
    with pytest.raises(CommandError, match="1 errors: nothing was imported"):
        call_command("import_sales", str(path))

    assert "line 3, quantity: must be a whole number greater than 0" in capsys.readouterr().err
    assert nothing_written() == [0, 0, 0, 0, 0]


@pytest.mark.django_db
def test_a_semicolon_separated_windows_1252_file_from_spanish_excel_is_read(tmp_path):
    text = (
        ";".join(CANONICAL_COLUMNS)
        + "\r\n"
        + ";".join(GOOD.get(col, "") for col in CANONICAL_COLUMNS).replace("Ana Ruiz", "Íñigo Peña")
        + "\r\n"
    )
    path = tmp_path / "excel.csv"
    path.write_bytes(text.encode("cp1252"))
    report = sales_import(path)

    assert report.ok, messages(report)
    assert Customer.objects.get().name == "Íñigo Peña"


@pytest.mark.django_db
def test_a_file_that_turns_out_not_to_be_text_half_way_is_refused_whole(tmp_path):
    rows = [{**GOOD, "order_id": f"A-{n}", "customer_name": "x" * 150} for n in range(600)]
    path = write_csv(tmp_path / "broken.csv", rows)
    path.write_bytes(path.read_bytes() + b"A-9,2024-03-01T10:00:00Z,,,C-9,,\xff\xfe\x00oops\n")
    report = sales_import(path)

    assert [error.line for error in report.errors] == [None]
    assert "encoding" in report.errors[0].message or "not valid CSV" in report.errors[0].message
    assert nothing_written() == [0, 0, 0, 0, 0]

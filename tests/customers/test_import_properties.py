"""Property tests of the CSV reader: whatever the file, a clear error or a correct import.

Files are generated in every encoding a shop's tools write (UTF-8 with and without a mark,
UTF-16, Latin-1, Windows-1252), with commas, semicolons or tabs, minimal or full quoting, and then
spoiled: a cell of the wrong type, a huge field, random bytes, a cut. Each example runs in a
savepoint that is rolled back, so every one starts from an empty database. The properties:
- sales_import never raises;
- an import that reports success wrote exactly the file (the orders, their customers and lines);
- one that reports errors names each (a line and column, or the whole file) and wrote nothing.
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers.importing import CANONICAL_COLUMNS, sales_import
from customers.models import Customer, Delivery, Sale, SaleLine, TimelineEntry

pytestmark = pytest.mark.django_db

# Letters every one of the encodings below can write, none of them a UTF-8 continuation byte in
# Latin-1 (so a Latin-1 file is never also valid UTF-8 with other letters).
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789áéíóúñÑüÜçÇ"
# Inside a text cell: the delimiters, quotes and line breaks the writer must quote.
TEXT = st.text(alphabet=LETTERS + " ,;\t\"'-.()/\n", min_size=1, max_size=30).map(str.strip).filter(bool)
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252")
DELIMITERS = (",", ";", "\t")
QUOTING = (csv.QUOTE_MINIMAL, csv.QUOTE_ALL)
BOUNDED = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # no example database under the project: each run draws afresh
)
MODELS = (Customer, Sale, SaleLine, Delivery, TimelineEntry)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@st.composite
def orders(draw):
    """A list of valid order lines (dicts of the canonical columns), 1 to 4 orders."""
    rows = []
    customers = draw(st.lists(TEXT, min_size=1, max_size=3, unique_by=str.lower))
    for n in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(customers))
        day = dt.date(2024, 1, 1) + dt.timedelta(days=draw(st.integers(0, 300)))
        order = {
            "order_id": f"O-{n}",
            "ordered_at": f"{day.isoformat()}T{draw(st.integers(0, 23)):02d}:30:00+01:00",
            "channel": draw(st.sampled_from(["online", "store", "phone", "Tienda", "web"])),
            "currency": "EUR",
            "customer_id": f"C-{customers.index(name)}",
            "customer_name": name,
            "promised_delivery_date": draw(st.sampled_from(["", (day + dt.timedelta(days=3)).isoformat()])),
        }
        for k in range(draw(st.integers(1, 3))):
            rows.append(
                {
                    **order,
                    "item_sku": f"SKU-{n}-{k}",
                    "item_name": draw(TEXT),
                    "quantity": str(draw(st.integers(1, 99))),
                    "unit_price": f"{draw(st.integers(0, 99999)) / 100:.2f}",
                }
            )
    return rows


@st.composite
def files(draw):
    """(rows, bytes of the file, encoding) of a valid file, in a drawn dialect."""
    rows = draw(orders())
    out = io.StringIO()
    writer = csv.writer(
        out,
        delimiter=draw(st.sampled_from(DELIMITERS)),
        quoting=draw(st.sampled_from(QUOTING)),
        lineterminator=draw(st.sampled_from(["\n", "\r\n"])),
    )
    writer.writerow(CANONICAL_COLUMNS)
    writer.writerows([row.get(col, "") for col in CANONICAL_COLUMNS] for row in rows)
    encoding = draw(st.sampled_from(ENCODINGS))
    return rows, out.getvalue().encode(encoding), encoding


def run(content: bytes):
    """Import the bytes in a savepoint rolled back afterwards; the report and what was written."""
    with transaction.atomic():
        report = sales_import(io.BytesIO(content))
        written = {
            "sales": {
                s.external_id: (s.customer.name, s.total)
                for s in Sale.objects.select_related("customer").order_by("external_id")
            },
            "lines": sorted(SaleLine.objects.values_list("sale__external_id", "sku", "name", "quantity")),
            "counts": [model.objects.count() for model in MODELS],
        }
        transaction.set_rollback(True)
    return report, written


def assert_clear_error_and_nothing_written(report, written):
    assert not report.ok and not report.committed
    assert report.errors, "an error count without a message"
    for error in report.errors:
        assert isinstance(error.message, str) and error.message.strip()
        assert error.line is None or error.line >= 2
    assert written["counts"] == [0] * len(MODELS), "a file with errors wrote something"


def assert_correct_import(report, written, rows):
    assert report.ok and report.committed, [str(e) for e in report.errors]
    expected_sales = {}
    for row in rows:
        name, total = expected_sales.get(row["order_id"], (row["customer_name"], Decimal("0")))
        expected_sales[row["order_id"]] = (name, total + int(row["quantity"]) * Decimal(row["unit_price"]))
    assert written["sales"] == expected_sales
    assert written["lines"] == sorted(
        (row["order_id"], row["item_sku"], row["item_name"], int(row["quantity"])) for row in rows
    )
    assert report.sales_created == len(expected_sales) and report.lines == len(rows)


def assert_clear_outcome(report, written):
    """Either a clear error, or an import that wrote what it says, and only that."""
    if report.ok:
        assert report.committed
        assert written["counts"][1] == report.orders == report.sales_created
        assert written["counts"][2] == report.lines_written
    else:
        assert_clear_error_and_nothing_written(report, written)


@BOUNDED
@given(files())
def test_a_valid_file_in_any_encoding_dialect_and_quoting_imports_exactly(sample):
    rows, content, _encoding = sample
    assert_correct_import(*run(content), rows)


WRONG_VALUES = {
    "quantity": ["two", "0", "-1", "2.5", "1e400", "9" * 5000, "NaN", "sNaN", "1E+999999999", "½"],
    "unit_price": ["abc", "-0.01", "1.999", "Infinity", "1" * 40, "12,5,0", "sNaN"],
    "ordered_at": ["05/03/2024", "2024-02-30T10:00:00", "yesterday", "0001-01-01T00:00:00+01:00", "9" * 50],
    "customer_email": ["not-an-email", "a@" + "b" * 300 + ".com"],
    "channel": ["carrier pigeon"],
    "delivery_status": ["teleported"],
    "customer_birth_date": ["1800-01-01", "soon", "2999-01-01"],
    "order_id": ["", "x" * 101],
    "item_name": ["", "y" * 301],
    "currency": ["EURO", "€"],
    "promised_delivery_date": ["1999-01-01", "2024-13-01"],
}


@st.composite
def files_with_a_wrong_cell(draw):
    rows = draw(orders())
    victim = draw(st.integers(0, len(rows) - 1))
    column = draw(st.sampled_from(sorted(WRONG_VALUES)))
    value = draw(st.sampled_from(WRONG_VALUES[column]))
    rows[victim] = {**rows[victim], column: value}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=draw(st.sampled_from(DELIMITERS)))
    writer.writerow(CANONICAL_COLUMNS)
    writer.writerows([row.get(col, "") for col in CANONICAL_COLUMNS] for row in rows)
    encoding = "utf-8" if "€" in value else draw(st.sampled_from(ENCODINGS))
    return victim + 2, column, out.getvalue().encode(encoding)


@BOUNDED
@given(files_with_a_wrong_cell())
def test_a_cell_of_the_wrong_type_is_an_error_on_its_line_and_nothing_is_written(sample):
    line, column, content = sample
    report, written = run(content)

    assert_clear_error_and_nothing_written(report, written)
    assert any(error.line == line and error.field in (column, "customer_id") for error in report.errors), [
        str(e) for e in report.errors
    ]


@BOUNDED
@given(files(), st.sampled_from(["customer_name", "item_name", "quantity", "order_id"]), st.data())
def test_a_huge_field_is_a_clear_error(sample, column, data):
    rows, _content, encoding = sample
    size = data.draw(st.sampled_from([5_000, 300_000, 1_100_000]))  # the last: past the CSV field limit
    rows[0] = {**rows[0], column: ("9" if column == "quantity" else "x") * size}
    out = io.StringIO()
    csv.writer(out).writerows(
        [CANONICAL_COLUMNS, *([row.get(c, "") for c in CANONICAL_COLUMNS] for row in rows)]
    )
    report, written = run(out.getvalue().encode(encoding))

    assert_clear_error_and_nothing_written(report, written)
    if size > 1_000_000:
        assert [error.line for error in report.errors] == [None]


@BOUNDED
@given(files(), st.binary(min_size=1, max_size=200), st.floats(0, 1))
def test_random_bytes_inside_a_file_give_a_clear_outcome(sample, junk, where):
    _rows, content, _encoding = sample
    at = int(len(content) * where)
    assert_clear_outcome(*run(content[:at] + junk + content[at:]))


@BOUNDED
@given(files(), st.floats(0, 1))
def test_a_file_cut_anywhere_gives_a_clear_outcome(sample, where):
    _rows, content, _encoding = sample
    assert_clear_outcome(*run(content[: int(len(content) * where)]))


@BOUNDED
@given(st.binary(max_size=3000))
def test_any_bytes_at_all_give_a_clear_outcome(content):
    assert_clear_outcome(*run(content))


@BOUNDED
@given(st.sampled_from(ENCODINGS), st.sampled_from(DELIMITERS), st.binary(max_size=500))
def test_a_good_header_then_junk_gives_a_clear_outcome(encoding, delimiter, junk):
    header = delimiter.join(CANONICAL_COLUMNS) + "\n"
    assert_clear_outcome(*run(header.encode(encoding) + junk))


@pytest.mark.parametrize("value", WRONG_VALUES["quantity"])
def test_every_wrong_quantity_is_refused_without_raising(value):
    """Each value the property above may draw, always (it draws one per example): 1E+999999999
    once raised decimal.Overflow out of the cleaner instead of being a line error."""
    from customers.importing.validate import _quantity

    bad: list = []
    assert _quantity(value, bad) is None and [field for field, _message in bad] == ["quantity"]

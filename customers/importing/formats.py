"""The file formats we read, detected from the header row, each mapped to canonical records.

A record holds the file's line number (the header is line 1) and the values of the canonical
columns (DESIGN.md section 6) as stripped strings, "" for an empty or missing cell.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter

from django.utils.translation import gettext as _

from customers.importing.source import FileProblem

CANONICAL_COLUMNS = (
    "order_id",
    "ordered_at",
    "channel",
    "currency",
    "customer_id",
    "customer_email",
    "customer_name",
    "customer_phone",
    "customer_birth_date",
    "customer_language",
    "item_sku",
    "item_name",
    "item_category",
    "quantity",
    "unit_price",
    "promised_delivery_date",
    "estimated_delivery_date",
    "delivered_at",
    "carrier",
    "tracking_number",
    "delivery_status",
    "offer_code",  # optional: a campaign's offer code the order used
)
REQUIRED_COLUMNS = ("order_id", "ordered_at", "item_name", "quantity", "unit_price")
LINE_FIELDS = ("item_sku", "item_name", "item_category", "quantity", "unit_price")
# Everything else belongs to the order (or its customer and delivery) and repeats on each line.
ORDER_FIELDS = tuple(f for f in CANONICAL_COLUMNS if f not in LINE_FIELDS and f != "order_id")

SHOPIFY_REQUIRED = ("name", "created at", "lineitem quantity", "lineitem name", "lineitem price")
SHOPIFY_LABELS = {
    "order_id": "Name",
    "ordered_at": "Created at",
    "channel": "Source",
    "currency": "Currency",
    "customer_id": "Email",
    "customer_email": "Email",
    "customer_name": "Billing Name",
    "customer_phone": "Billing Phone",
    "item_sku": "Lineitem sku",
    "item_name": "Lineitem name",
    "item_category": "Vendor",
    "quantity": "Lineitem quantity",
    "unit_price": "Lineitem price",
    "delivered_at": "Fulfilled at",
    "delivery_status": "Fulfillment Status",
    "offer_code": "Discount Code",
}
# Shopify's fulfillment states, as delivery statuses (the import's aliases do the rest).
SHOPIFY_FULFILLMENT = {
    "fulfilled": "delivered",
    "partial": "in_transit",
    "unfulfilled": "pending",
    "restocked": "returned",
}
# Shopify's order sources; web, the mobile apps and sales-channel app ids are all online.
SHOPIFY_SOURCES = {"pos": "store", "shopify_draft_order": "phone"}


# A record: (line number, the canonical columns' stripped values in CANONICAL_COLUMNS order,
# whether the row has non-empty cells beyond the header's columns). A tuple, not an object: a
# 200,000-line file makes 200,000 of them.
Record = tuple[int, tuple[str, ...], bool]
ORDER_POSITIONS = tuple(CANONICAL_COLUMNS.index(name) for name in ORDER_FIELDS)


@dataclass
class Format:
    name: str
    labels: dict[str, str] = field(default_factory=dict)  # canonical field -> the file's column
    header: list[str] = field(default_factory=list)

    def label(self, name: str) -> str:
        return self.labels.get(name, name)

    def records(self, rows: Iterator[list[str]]) -> Iterator[Record]:
        reader = _shopify_records if self.name == "shopify" else _canonical_records
        return reader(self.header, rows)


def detect(header: list[str]) -> Format:
    lowered = [h.strip().lower() for h in header]
    if all(col in lowered for col in SHOPIFY_REQUIRED):
        return Format("shopify", SHOPIFY_LABELS, header)
    names = [_canonical_name(h) for h in header]
    missing = [col for col in REQUIRED_COLUMNS if col not in names]
    if "customer_id" not in names and "customer_email" not in names:
        missing.append("customer_id / customer_email")
    if missing:
        raise FileProblem(
            _(
                "Unknown header: this is neither the Postsale sales format nor a Shopify orders "
                "export. Missing columns: %(missing)s. Expected: %(expected)s."
            )
            % {"missing": ", ".join(missing), "expected": ", ".join(CANONICAL_COLUMNS)}
        )
    return Format("canonical", {}, header)


def _canonical_name(column: str) -> str:
    return column.strip().lower().replace(" ", "_").replace("-", "_")


def _is_blank(row: list[str]) -> bool:
    return not "".join(row).strip()


def _canonical_records(header: list[str], rows: Iterator[list[str]]) -> Iterator[Record]:
    width = len(header)
    position = {_canonical_name(h): i for i, h in enumerate(header)}
    # A column the file lacks reads the blank cell appended after the row's last one.
    pick = itemgetter(*(position.get(name, width) for name in CANONICAL_COLUMNS))
    pad = [""] * (width + 1)
    strip = str.strip
    for line, row in enumerate(rows, start=2):
        size = len(row)
        extra = size > width and not _is_blank(row[width:])
        if extra or size > width:
            row, size = row[:width], width
        row += pad[size:]
        values = tuple(map(strip, pick(row)))
        if any(values):
            yield line, values, extra


def _shopify_records(header: list[str], rows: Iterator[list[str]]) -> Iterator[Record]:
    """Shopify fills the order's columns on its first line only: later lines inherit them."""
    position = {h.strip().lower(): i for i, h in enumerate(header)}
    width = len(header)
    previous: list[str] = []
    for line, row in enumerate(rows, start=2):
        if _is_blank(row):
            continue
        cells = {col: row[i].strip() for col, i in position.items() if i < len(row)}
        values = _shopify_values(cells)
        if previous and values[0] == previous[0]:
            for i in ORDER_POSITIONS:
                values[i] = values[i] or previous[i]
        previous = values
        yield line, tuple(values), len(row) > width and not _is_blank(row[width:])


def _shopify_values(cells: dict[str, str]) -> list[str]:
    get = cells.get
    email = get("email", "")
    source = get("source", "").lower()
    fulfillment = get("fulfillment status", "").lower()
    status = SHOPIFY_FULFILLMENT.get(fulfillment, fulfillment)
    phone = get("billing phone", "") or get("phone", "") or get("shipping phone", "")
    values = {
        "order_id": get("name", ""),
        "ordered_at": get("created at", ""),
        "channel": SHOPIFY_SOURCES.get(source, "online") if source else "",
        "currency": get("currency", ""),
        # No customer id in this export: the e-mail is the id, or the phone for a walk-in
        # sale (POS) that left no e-mail.
        "customer_id": email.lower() or phone,
        "customer_email": email,
        "customer_name": get("billing name", "") or get("shipping name", ""),
        "customer_phone": phone,
        "item_sku": get("lineitem sku", ""),
        "item_name": get("lineitem name", ""),
        "item_category": get("vendor", ""),
        "quantity": get("lineitem quantity", ""),
        "unit_price": get("lineitem price", ""),
        "delivered_at": get("fulfilled at", "") if status == "delivered" else "",
        "delivery_status": status,
        "offer_code": get("discount code", ""),
    }
    return [values.get(name, "") for name in CANONICAL_COLUMNS]

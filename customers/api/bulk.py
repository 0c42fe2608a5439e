"""POST /api/v1/sales/bulk/: many orders in one request, written by the CSV import's path.

The orders (already checked by SalesBulkInput) become the import's canonical rows, one per order
line, and go through `sales_import` like a file: staged, checked again, merged set-based in one
transaction, announced to the follow-up engine. So a bulk POST writes exactly what importing the
same orders as a CSV file would, all of them or none, and costs per order what the import costs,
not what one POST per order costs (bench/run.py's "API ingest" rows).

An error the import finds names a CSV line and column; it is answered at the order (and line)
that became that CSV line, under the API's own field names.
"""

import csv
import datetime as dt
import io

from customers.importing import ImportReport, sales_import
from customers.importing.formats import CANONICAL_COLUMNS

# The import's columns, as the API names them: (where in the order, field).
ORDER_FIELD_OF = {
    "order_id": ((), "external_id"),
    "ordered_at": ((), "ordered_at"),
    "channel": ((), "channel"),
    "currency": ((), "currency"),
    "offer_code": ((), "offer_code"),
    "customer_id": (("customer",), "external_id"),
    "customer_email": (("customer",), "email"),
    "customer_name": (("customer",), "name"),
    "customer_phone": (("customer",), "phone"),
    "customer_birth_date": (("customer",), "birth_date"),
    "customer_language": (("customer",), "language"),
    "promised_delivery_date": (("delivery",), "promised_date"),
    "estimated_delivery_date": (("delivery",), "estimated_date"),
    "delivered_at": (("delivery",), "delivered_at"),
    "carrier": (("delivery",), "carrier"),
    "tracking_number": (("delivery",), "tracking_number"),
    "delivery_status": (("delivery",), "status"),
}
LINE_FIELD_OF = {
    "item_sku": "sku",
    "item_name": "name",
    "item_category": "category",
    "quantity": "quantity",
    "unit_price": "unit_price",
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def canonical_csv(orders: list[dict]) -> tuple[bytes, dict[int, tuple[int, int]]]:
    """The orders as a canonical CSV file, and which (order, line) each CSV line number holds."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CANONICAL_COLUMNS)
    where: dict[int, tuple[int, int]] = {}
    line_number = 1
    for position, order in enumerate(orders):
        customer = order["customer"]
        delivery = order.get("delivery") or {}
        common = {
            "order_id": order["external_id"],
            "ordered_at": order["ordered_at"],
            "channel": order.get("channel"),
            "currency": order.get("currency"),
            "offer_code": order.get("offer_code"),
            "customer_id": customer.get("external_id"),
            "customer_email": customer.get("email"),
            "customer_name": customer.get("name"),
            "customer_phone": customer.get("phone"),
            "customer_birth_date": customer.get("birth_date"),
            "customer_language": customer.get("language"),
            "promised_delivery_date": delivery.get("promised_date"),
            "estimated_delivery_date": delivery.get("estimated_date"),
            "delivered_at": delivery.get("delivered_at"),
            "carrier": delivery.get("carrier"),
            "tracking_number": delivery.get("tracking_number"),
            "delivery_status": delivery.get("status"),
        }
        for index, line in enumerate(order["lines"]):
            values = {**common, **{column: line.get(name) for column, name in LINE_FIELD_OF.items()}}
            writer.writerow([_text(values.get(column)) for column in CANONICAL_COLUMNS])
            line_number += 1
            where[line_number] = (position, index)
    return out.getvalue().encode(), where


def bulk_record(orders: list[dict]) -> tuple[ImportReport, dict]:
    """Write the orders (all or none); returns the import's report and, if it refused them, the
    errors by order as the API answers them."""
    data, where = canonical_csv(orders)
    report = sales_import(io.BytesIO(data))
    return report, ({} if report.ok else errors_by_order(report, where))


def errors_by_order(report: ImportReport, where: dict[int, tuple[int, int]]) -> dict:
    """{"orders": {"3": {"lines": {"0": {"quantity": [...]}}}}}, or non_field_errors for what
    concerns no line (the database refused the whole write)."""
    orders: dict = {}
    general: list[str] = []
    for error in report.errors:
        if error.line not in where:
            general.append(error.message)
            continue
        position, index = where[error.line]
        node = orders.setdefault(str(position), {})
        if error.field in LINE_FIELD_OF:
            node = node.setdefault("lines", {}).setdefault(str(index), {})
            name = LINE_FIELD_OF[error.field]
        elif error.field in ORDER_FIELD_OF:
            path, name = ORDER_FIELD_OF[error.field]
            for step in path:
                node = node.setdefault(step, {})
        else:
            name = "non_field_errors"
        messages = node.setdefault(name, [])
        if error.message not in messages:  # an order's lines repeat its fields' problems
            messages.append(error.message)
    answer: dict = {}
    if orders:
        answer["orders"] = orders
    if general or not orders:
        answer["non_field_errors"] = general or [str(e) for e in report.errors[:1]]
    return answer

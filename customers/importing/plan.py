"""What the import will change, computed set-based before anything is written.

Two TEMP tables summarise the staging lines: one row per customer and one per order, each with
the id of the existing row it matches and flags for what differs. The preview's counts and the
merge's statements both read these flags, so a dry run reports exactly what the import would do.
"""
# ruff: noqa: S608 - the SQL is assembled from table names and constants; file data only ever
# travels as query parameters or COPY data.

from customers.importing.dialect import Dialect
from customers.importing.staging import TABLE as LINES
from customers.models import Customer, Delivery, Sale, SaleLine

CUSTOMERS = "postsale_import_customer"
ORDERS = "postsale_import_order"
SEARCH = "postsale_import_search"  # the search columns of new and changed customers (merge.py)
CUSTOMER_COLUMNS = (
    ("ckey", "text"),
    ("first_line", "int"),
    ("name", "text"),
    ("email", "text"),
    ("phone", "text"),
    ("birth_date", "date"),
    ("language", "text"),
    ("customer_pk", "bigint"),
    ("changed", "bool"),
)
DELIVERY_VALUES = (
    ("carrier", "text"),
    ("tracking_number", "text"),
    ("promised_date", "date"),
    ("estimated_date", "date"),
    ("delivered_at", "ts"),
    ("status", "text"),
)
ORDER_COLUMNS = (
    ("order_id", "text"),
    ("first_line", "int"),
    ("customer_key", "text"),
    ("ordered_at", "ts"),
    ("channel", "text"),
    ("currency", "text"),
    ("total", "total"),
    ("line_count", "int"),
    ("offer_code", "text"),
    ("customer_pk", "bigint"),
    ("sale_pk", "bigint"),
    ("sale_new", "bool"),
    ("sale_changed", "bool"),
    # An existing sale that changes hands or order time: both owners' stages count it.
    ("sale_moved", "bool"),
    ("old_customer_pk", "bigint"),
    ("lines_changed", "bool"),
    ("delivery_pk", "bigint"),
    *((f"new_{name}", kind) for name, kind in DELIVERY_VALUES),  # the delivery after the merge
    ("delivery_new", "bool"),
    ("delivery_changed", "bool"),
    ("status_changed", "bool"),
)
FLAGS = (
    "changed",
    "sale_new",
    "sale_changed",
    "sale_moved",
    "lines_changed",
    "delivery_new",
    "delivery_changed",
    "status_changed",
)


def tables(d: Dialect) -> dict[str, str]:
    return {
        "lines": LINES,
        "customers": CUSTOMERS,
        "orders": ORDERS,
        "search": SEARCH,
        "customer": d.q(Customer._meta.db_table),
        "sale": d.q(Sale._meta.db_table),
        "line": d.q(SaleLine._meta.db_table),
        "delivery": d.q(Delivery._meta.db_table),
    }


def _ddl(d: Dialect, name: str, spec) -> str:
    columns = ", ".join(
        f"{col} {d.types[kind]}" + (" NOT NULL DEFAULT FALSE" if col in FLAGS else "") for col, kind in spec
    )
    return f"CREATE TEMP TABLE {name} ({columns}, PRIMARY KEY ({spec[0][0]}))"


def plan_statements(d: Dialect) -> list[str]:
    t = tables(d)
    return [
        sql.format(**t)
        for sql in (
            _ddl(d, CUSTOMERS, CUSTOMER_COLUMNS),
            _customers_sql(d),
            "ANALYZE {customers}",
            _ddl(d, ORDERS, ORDER_COLUMNS),
            _orders_sql(d),
            "ANALYZE {orders}",
            LINES_CHANGED_SQL,
        )
    ]


def _customers_sql(d: Dialect) -> str:
    # A customer's details come from their last line in the file; a cell left empty there falls
    # back to what their other lines say. Empty cells never clear a field (customer_upsert's
    # rule), so only filled ones can make a difference.
    return f"""
        INSERT INTO {{customers}} (ckey, first_line, name, email, phone, birth_date, language,
                                   customer_pk, changed)
        SELECT x.ckey, x.first_line, x.name, x.email, x.phone, x.birth_date, x.language, c.id,
               CASE WHEN c.id IS NULL THEN FALSE ELSE (
                 (x.name IS NOT NULL AND x.name <> c.name)
                 OR (x.email IS NOT NULL AND x.email <> c.email)
                 OR (x.phone IS NOT NULL AND x.phone <> c.phone)
                 OR (x.birth_date IS NOT NULL AND {d.ne("x.birth_date", "c.birth_date")})
                 OR (x.language IS NOT NULL AND x.language <> c.language)) END
        FROM (SELECT g.customer_key AS ckey, g.first_line,
                     COALESCE(s.customer_name, g.name) AS name,
                     COALESCE(s.customer_email, g.email) AS email,
                     COALESCE(s.customer_phone, g.phone) AS phone,
                     COALESCE(s.birth_date, g.birth_date) AS birth_date,
                     COALESCE(s.language, g.language) AS language
              FROM (SELECT customer_key, MIN(line_no) AS first_line, MAX(line_no) AS last_line,
                           MAX(customer_name) AS name, MAX(customer_email) AS email,
                           MAX(customer_phone) AS phone, MAX(birth_date) AS birth_date,
                           MAX(language) AS language
                    FROM {{lines}} GROUP BY customer_key) g
              JOIN {{lines}} s ON s.line_no = g.last_line) x
        LEFT JOIN {{customer}} c ON c.external_id = x.ckey"""


def _orders_sql(d: Dialect) -> str:
    # The delivery after the merge takes each filled cell over the stored value (delivery_update's
    # rule); a delivered time without a status means delivered. A sale without a delivery gets
    # one when the file says anything about its shipment.
    changed = " OR ".join(d.ne(f"new_{name}", f"old_{name}") for name, _kind in DELIVERY_VALUES)
    return f"""
        INSERT INTO {{orders}} (order_id, first_line, customer_key, ordered_at, channel, currency,
            total, line_count, offer_code, customer_pk, sale_pk, sale_new, sale_changed, sale_moved,
            old_customer_pk, delivery_pk,
            new_carrier, new_tracking_number, new_promised_date, new_estimated_date,
            new_delivered_at, new_status, delivery_new, delivery_changed, status_changed)
        SELECT order_id, first_line, customer_key, ordered_at, channel, currency, total,
            line_count, offer_code, customer_pk, sale_pk, sale_pk IS NULL, COALESCE(sale_changed, FALSE),
            COALESCE(sale_moved, FALSE), old_customer_pk,
            delivery_pk, new_carrier, new_tracking_number, new_promised_date, new_estimated_date,
            new_delivered_at, new_status,
            delivery_pk IS NULL AND has_delivery,
            delivery_pk IS NOT NULL AND ({changed}),
            delivery_pk IS NOT NULL AND new_status <> old_status
        FROM (
          SELECT g.order_id, g.first_line, f.customer_key, f.ordered_at, f.channel, f.currency,
            g.total, g.line_count, g.offer_code, ic.customer_pk, s.id AS sale_pk,
            CASE WHEN s.id IS NOT NULL THEN ({d.ne("s.customer_id", "ic.customer_pk")}
              OR s.ordered_at <> f.ordered_at OR s.channel <> f.channel
              OR s.currency <> f.currency OR s.total <> g.total
              OR (g.offer_code IS NOT NULL AND {d.ne("s.offer_code", "g.offer_code")}))
            END AS sale_changed,
            CASE WHEN s.id IS NOT NULL THEN ({d.ne("s.customer_id", "ic.customer_pk")}
              OR s.ordered_at <> f.ordered_at)
            END AS sale_moved,
            s.customer_id AS old_customer_pk,
            d.id AS delivery_pk,
            (g.carrier IS NOT NULL OR g.tracking_number IS NOT NULL OR g.promised_date IS NOT NULL
             OR g.estimated_date IS NOT NULL OR g.delivered_at IS NOT NULL
             OR g.status IS NOT NULL) AS has_delivery,
            COALESCE(g.carrier, d.carrier, '') AS new_carrier,
            COALESCE(g.tracking_number, d.tracking_number, '') AS new_tracking_number,
            COALESCE(g.promised_date, d.promised_date) AS new_promised_date,
            COALESCE(g.estimated_date, d.estimated_date) AS new_estimated_date,
            COALESCE(g.delivered_at, d.delivered_at) AS new_delivered_at,
            COALESCE(g.status, CASE WHEN g.delivered_at IS NOT NULL THEN 'delivered' END,
                     d.status, 'pending') AS new_status,
            d.carrier AS old_carrier, d.tracking_number AS old_tracking_number,
            d.promised_date AS old_promised_date, d.estimated_date AS old_estimated_date,
            d.delivered_at AS old_delivered_at, d.status AS old_status
          FROM (SELECT order_id, MIN(line_no) AS first_line, COUNT(*) AS line_count,
                       ROUND(SUM(quantity * unit_price), 2) AS total,
                       MAX(carrier) AS carrier, MAX(tracking_number) AS tracking_number,
                       MAX(promised_date) AS promised_date, MAX(estimated_date) AS estimated_date,
                       MAX(delivered_at) AS delivered_at, MAX(status) AS status,
                       MAX(offer_code) AS offer_code
                FROM {{lines}} GROUP BY order_id) g
          JOIN {{lines}} f ON f.line_no = g.first_line
          JOIN {{customers}} ic ON ic.ckey = f.customer_key
          LEFT JOIN {{sale}} s ON s.external_id = g.order_id
          LEFT JOIN {{delivery}} d ON d.sale_id = s.id) z"""


# An existing sale's lines differ when the two multisets of lines differ: compare the lines
# grouped with their counts, both ways. New sales are left out, so a first import skips this.
LINES_CHANGED_SQL = """
    WITH staged AS (
      SELECT s.order_id, COALESCE(s.sku, '') AS sku, s.item_name AS name,
             COALESCE(s.category, '') AS category, s.quantity, s.unit_price, COUNT(*) AS n
      FROM {lines} s JOIN {orders} o ON o.order_id = s.order_id
      WHERE o.sale_pk IS NOT NULL
      GROUP BY s.order_id, COALESCE(s.sku, ''), s.item_name, COALESCE(s.category, ''),
               s.quantity, s.unit_price),
    stored AS (
      SELECT o.order_id, l.sku, l.name, l.category, l.quantity, l.unit_price, COUNT(*) AS n
      FROM {line} l JOIN {orders} o ON o.sale_pk = l.sale_id
      GROUP BY o.order_id, l.sku, l.name, l.category, l.quantity, l.unit_price)
    UPDATE {orders} SET lines_changed = TRUE WHERE order_id IN (
      SELECT order_id FROM (SELECT * FROM staged EXCEPT SELECT * FROM stored) added
      UNION
      SELECT order_id FROM (SELECT * FROM stored EXCEPT SELECT * FROM staged) removed)"""


def count_queries() -> list[str]:
    def n(cond: str) -> str:
        return f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"

    return [
        f"""SELECT COUNT(*), {n("customer_pk IS NULL")}, {n("changed")} FROM {CUSTOMERS}""",
        f"""SELECT COUNT(*), {n("sale_new")}, {n("NOT sale_new AND (sale_changed OR lines_changed)")},
                   SUM(CASE WHEN sale_new OR lines_changed THEN line_count ELSE 0 END),
                   {n("delivery_new")}, {n("delivery_changed")}
            FROM {ORDERS}""",
    ]

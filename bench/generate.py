"""A seeded shop of N customers, generated inside PostgreSQL in a few set-based statements.

Every "random" value is a hash of the row's id and a salt (hashint8extended), so the same N gives
the same rows on every run and a range of ids can be added later (`load(lo, hi)`: the bench
measures at N/10, then adds the other 90% and measures again). Ids are explicit: customer k buys
sales k (and, past the first N sales, sales of random customers), sale s has delivery s, thank-you
message s, survey message SURVEY_OFFSET + s and invitation s.

Per customer, on average: 1.5 sales, 2.25 lines, 1.2 deliveries (online sales; those of the last
days still open, some late, a few stuck), 1.5 thank-you mails sent, 0.35 survey invitations of
which a third answered, 0.02 cases, 1.5 timeline entries. The columns a statement does not name
get the model field's default, so a new NOT NULL field does not break the generator.
"""
# ruff: noqa: S608 - the SQL is built from model metadata and integers, never from input.

from django.db import connection
from django.db.models import DateTimeField
from django.utils import timezone

from customers.models import Complaint, Customer, Delivery, Sale, SaleLine, TimelineEntry
from followups.models import Message
from surveys.models import Answer, Invitation, InvitationToken

SURVEY_OFFSET = 100_000_000
NOW = ["now()"]
SALES_PER_CUSTOMER = 1.5
FIRST = (
    "María",
    "Lucía",
    "Carmen",
    "Ana",
    "Laura",
    "Marta",
    "Elena",
    "Paula",
    "Sara",
    "Julia",
    "Antonio",
    "Manuel",
    "José",
    "David",
    "Javier",
    "Daniel",
    "Carlos",
    "Jordi",
    "Pablo",
    "Iker",
)
LAST = (
    "García",
    "Fernández",
    "González",
    "Rodríguez",
    "López",
    "Martínez",
    "Sánchez",
    "Pérez",
    "Gómez",
    "Martín",
    "Jiménez",
    "Ruiz",
    "Hernández",
    "Díaz",
    "Moreno",
    "Puig",
    "Soler",
    "Etxeberria",
    "Castro",
    "Vidal",
)
PRODUCTS = (  # sku, name, category, price
    ("ZAP-001", "Zapatillas running Trail 2", "calzado", "89.90"),
    ("ZAP-014", "Zapatillas urbanas lona", "calzado", "49.95"),
    ("BOT-220", "Botas de montaña impermeables", "calzado", "129.00"),
    ("CAL-010", "Calcetines técnicos (pack 3)", "textil", "12.50"),
    ("CHA-300", "Chaqueta impermeable", "textil", "120.00"),
    ("CAM-105", "Camiseta técnica manga corta", "textil", "24.99"),
    ("MOC-020", "Mochila 20 L, negra", "accesorios", "45.00"),
    ("BOT-001", "Botella térmica 750 ml", "accesorios", "19.99"),
    ("CAF-IT-6", "Cafetera italiana 6 tazas", "hogar", "34.90"),
    ("AUR-BT5", "Auriculares Bluetooth", "electronica", "59.00"),
    ("LIB-101", "Guía de rutas por los Picos de Europa", "libros", "21.00"),
    ("REG-050", "Tarjeta regalo 50 €", "regalos", "50.00"),
)


def rnd(var: str, salt: int) -> str:
    """SQL for a uniform value in [0, 1) from the integer `var` and a salt."""
    return f"((hashint8extended(({var})::bigint, {salt}) & 2147483647)::float8 / 2147483648.0)"


def at(values, position: str) -> str:
    """SQL for values[position] (0-based position, an SQL integer expression)."""
    items = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"(ARRAY[{items}]::text[])[1 + {position}]"


def pick(values, var: str, salt: int) -> str:
    return at(values, f"floor({rnd(var, salt)} * {len(values)})::int")


def insert_select(model, exprs: dict[str, str], source: str, params=()) -> int:
    """INSERT INTO model's table (every concrete column) SELECT exprs FROM source; the columns
    exprs leaves out get the field's default (now() for auto_now fields)."""
    columns, values, args = [], [], []
    for field in model._meta.concrete_fields:
        columns.append(connection.ops.quote_name(field.column))
        if field.column in exprs:
            values.append(exprs[field.column])
        elif field.primary_key:
            columns.pop()
        elif isinstance(field, DateTimeField) and (field.auto_now or field.auto_now_add):
            values.append("now()")
        elif field.has_default() or not field.null:
            values.append("%s")
            args.append(field.get_db_prep_save(field.get_default(), connection))
        else:
            values.append("NULL")
    # "@now": the load's one moment, so every statement agrees on what is recent.
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {source}"
    ).replace("@now", NOW[0])
    with connection.cursor() as cursor:
        cursor.execute(sql, [*args, *params])
        return cursor.rowcount


def sales_range(lo: int, hi: int) -> tuple[int, int]:
    return int(lo * SALES_PER_CUSTOMER), int(hi * SALES_PER_CUSTOMER)


def load(lo: int, hi: int, *, progress=print) -> dict[str, int]:
    """Add customers lo+1..hi and everything they own; returns rows written per table."""
    NOW[0] = f"'{timezone.now().isoformat()}'::timestamptz"
    counts = {}
    first, last = pick(FIRST, "g", 1), pick(LAST, "g", 2)
    plain = "translate(lower({}), 'áéíóúñ', 'aeioun')"
    has_phone, number = f"{rnd('g', 3)} < .8", "lpad(mod(g, 100000000)::text, 8, '0')"
    counts["customers"] = insert_select(
        Customer,
        {
            "id": "g",
            "external_id": "'G' || g",
            "name": f"{first} || ' ' || {last}",
            # What customers.search.fold() stores for these names (their only accents: á é í ó).
            "search_name": plain.format(f"{first} || ' ' || {last}"),
            "email": f"{plain.format(first)} || '.' || {plain.format(last)} || '.' || g || '@example.com'",
            "phone": f"CASE WHEN {has_phone} THEN '+34 6' || {number} ELSE '' END",
            "search_phone": f"CASE WHEN {has_phone} THEN '346' || {number} ELSE '' END",  # its digits
            "birth_date": "bd",
            "birthday_key": "(extract(month FROM bd) * 100 + extract(day FROM bd))::int",
            "language": f"CASE WHEN {rnd('g', 5)} < .1 THEN 'en' ELSE 'es' END",
            "marketing_consent": f"{rnd('g', 6)} < .5",
            "created_at": f"@now - interval '1 day' * (900 * {rnd('g', 7)})",
        },
        f"(SELECT g, CASE WHEN {rnd('g', 4)} < .6 THEN date '1950-01-01' + floor({rnd('g', 8)}"
        " * 20000)::int END AS bd FROM generate_series(%s, %s) g) c",
        [lo + 1, hi],
    )
    progress(f"  customers {counts['customers']:,}")

    slo, shi = sales_range(lo, hi)
    n = hi - lo
    # A sale's price list position and quantities, recomputed by the lines' statement.
    p1, p2 = (f"floor({rnd('g', 20 + i)} * {len(PRODUCTS)})::int" for i in (1, 2))
    q1, q2 = (f"(1 + floor({rnd('g', 30 + i)} * 3)::int)" for i in (1, 2))
    two = f"{rnd('g', 29)} < .5"
    second = f"mod({p1} + 1 + mod({p2}, {len(PRODUCTS) - 1}), {len(PRODUCTS)})"  # never p1
    prices = "(ARRAY[" + ", ".join(p for *_, p in PRODUCTS) + "]::numeric[])"
    counts["sales"] = insert_select(
        Sale,
        {
            "id": "g",
            "external_id": "'GS' || g",
            "customer_id": f"CASE WHEN g - {slo} <= {n} THEN {lo} + g - {slo} "
            f"ELSE {lo} + 1 + floor({rnd('g', 10)} * {n})::int END",
            "ordered_at": f"@now - interval '1 day' * (730 * {rnd('g', 11)})",
            "channel": f"CASE WHEN {rnd('g', 12)} < .8 THEN 'online' WHEN {rnd('g', 12)} < .95 "
            "THEN 'store' ELSE 'phone' END",
            "total": f"{prices}[1 + {p1}] * {q1} + CASE WHEN {two} THEN "
            f"{prices}[1 + {second}] * {q2} "
            "ELSE 0 END",
            "created_at": f"@now - interval '1 day' * (730 * {rnd('g', 11)})",
        },
        "generate_series(%s, %s) g",
        [slo + 1, shi],
    )
    progress(f"  sales {counts['sales']:,}")

    sku, name, category = ([p[i] for p in PRODUCTS] for i in range(3))

    position = f"CASE WHEN k = 1 THEN {p1} ELSE {second} END"
    counts["lines"] = insert_select(
        SaleLine,
        {
            "sale_id": "g",
            "sku": at(sku, position),
            "name": at(name, position),
            "category": at(category, position),
            "quantity": f"CASE WHEN k = 1 THEN {q1} ELSE {q2} END",
            "unit_price": f"{prices}[1 + {position}]",
        },
        f"generate_series(%s, %s) g CROSS JOIN LATERAL generate_series(1, CASE WHEN {two} THEN 2 "
        "ELSE 1 END) k",
        [slo + 1, shi],
    )
    progress(f"  lines {counts['lines']:,}")

    # Deliveries of online sales: older than 10 days nearly all delivered (a few returned, a few
    # stuck in transit for weeks); recent ones delivered once their transit time went by, else
    # open, a tenth of them delayed past the promise.
    transit = f"interval '1 hour' * (20 + floor({rnd('s.id', 40)} * 100))"
    age_days = "extract(epoch FROM (@now - s.ordered_at)) / 86400"
    old = f"{age_days} > 10"
    fate = rnd("s.id", 41)
    delivered = f"(({old}) AND {fate} < .985) OR (NOT ({old}) AND s.ordered_at + {transit} < @now)"
    counts["deliveries"] = insert_select(
        Delivery,
        {
            "id": "s.id",
            "sale_id": "s.id",
            "ordered_at": "s.ordered_at",
            "carrier": pick(("SEUR", "Correos", "MRW", "GLS", "DHL", "Nacex"), "s.id", 42),
            "tracking_number": "'TRK' || s.id",
            "promised_date": f"(s.ordered_at + interval '1 day' * (2 + floor({rnd('s.id', 43)} * 3)))::date",
            "estimated_date": f"CASE WHEN NOT ({delivered}) AND {rnd('s.id', 44)} < .1 THEN "
            f"(s.ordered_at + interval '1 day' * (6 + floor({rnd('s.id', 45)} * 5)))"
            "::date END",
            "delivered_at": f"CASE WHEN {delivered} THEN s.ordered_at + {transit} END",
            "status": f"CASE WHEN {delivered} THEN 'delivered' WHEN ({old}) AND {fate} < .995 THEN "
            "'returned' ELSE 'in_transit' END",
            "status_changed_at": f"CASE WHEN {delivered} THEN s.ordered_at + {transit} "
            "ELSE s.ordered_at + interval '12 hours' END",
        },
        f"{Sale._meta.db_table} s WHERE s.id BETWEEN %s AND %s AND s.channel = 'online'",
        [slo + 1, shi],
    )
    progress(f"  deliveries {counts['deliveries']:,}")

    counts["timeline"] = insert_select(
        TimelineEntry,
        {
            "customer_id": "s.customer_id",
            "sale_id": "s.id",
            "at": "s.ordered_at",
            "kind": "'sale'",
            "event": "'sale.recorded'",
            "data": "jsonb_build_object('order', s.external_id, 'total', s.total::text, "
            "'currency', s.currency)",
        },
        f"{Sale._meta.db_table} s WHERE s.id BETWEEN %s AND %s",
        [slo + 1, shi],
    )

    counts["thank_yous"] = insert_select(
        Message,
        {
            "id": "s.id",
            "kind": "'thank_you'",
            "category": "'transactional'",
            "customer_id": "s.customer_id",
            "sale_id": "s.id",
            "dedupe_key": "'bench:thank_you:' || s.id",
            "planned_at": "s.ordered_at + interval '1 hour'",
            "expires_at": "s.ordered_at + interval '2 days'",
            "state": "CASE WHEN s.ordered_at + interval '1 hour' < @now THEN 'sent' ELSE 'planned' END",
            "sent_at": "CASE WHEN s.ordered_at + interval '1 hour' < @now THEN s.ordered_at "
            "+ interval '1 hour' END",
            "to_email": "c.email",
            "language": "c.language",
            "subject": "'¡Gracias por tu compra!'",
            "token_hash": "encode(sha256(('m' || s.id)::bytea), 'hex')",
            "created_at": "s.ordered_at",
        },
        f"{Sale._meta.db_table} s JOIN {Customer._meta.db_table} c ON c.id = s.customer_id "
        "WHERE s.id BETWEEN %s AND %s",
        [slo + 1, shi],
    )
    progress(f"  thank-you mails {counts['thank_yous']:,}")

    # Surveys: 30% of delivered parcels, five days after delivery; the old ones were reminded.
    sent = "d.delivered_at + interval '5 days'"
    surveyed = (
        f"{Delivery._meta.db_table} d JOIN {Sale._meta.db_table} s ON s.id = d.sale_id "
        f"JOIN {Customer._meta.db_table} c ON c.id = s.customer_id "
        f"WHERE d.sale_id BETWEEN %s AND %s AND d.delivered_at IS NOT NULL "
        f"AND {sent} < @now AND {rnd('d.sale_id', 50)} < .3"
    )
    counts["surveys"] = insert_select(
        Message,
        {
            "id": f"{SURVEY_OFFSET} + s.id",
            "kind": "'survey'",
            "category": "'survey'",
            "customer_id": "s.customer_id",
            "sale_id": "s.id",
            "dedupe_key": "'bench:survey:' || s.id",
            "planned_at": sent,
            "expires_at": f"{sent} + interval '7 days'",
            "state": "'sent'",
            "sent_at": sent,
            "to_email": "c.email",
            "language": "c.language",
            "subject": "'¿Qué tal tu pedido?'",
            "created_at": sent,
        },
        surveyed,
        [slo + 1, shi],
    )
    answered = f"{rnd('m.sale_id', 51)} < .35"
    invitations = (
        f"{Message._meta.db_table} m WHERE m.id BETWEEN {SURVEY_OFFSET} + %s AND {SURVEY_OFFSET} + %s"
    )
    counts["invitations"] = insert_select(
        Invitation,
        {
            "id": "m.sale_id",
            "message_id": "m.id",
            "customer_id": "m.customer_id",
            "sale_id": "m.sale_id",
            "survey_type": "'nps'",
            "created_at": "m.sent_at",
            "expires_at": "m.sent_at + interval '30 days'",
            "answered_at": f"CASE WHEN {answered} THEN m.sent_at + interval '1 day' END",
            "reminded_at": f"CASE WHEN NOT ({answered}) AND m.sent_at < @now - interval '4 days' THEN "
            "m.sent_at + interval '3 days' END",
        },
        invitations,
        [slo + 1, shi],
    )
    insert_select(
        InvitationToken,
        {
            "id": "m.sale_id",
            "invitation_id": "m.sale_id",
            "message_id": "m.id",
            "token_hash": "encode(sha256(('i' || m.sale_id)::bytea), 'hex')",
            "created_at": "m.sent_at",
        },
        invitations,
        [slo + 1, shi],
    )
    counts["answers"] = insert_select(
        Answer,
        {
            "id": "i.id",
            "invitation_id": "i.id",
            "customer_id": "i.customer_id",
            "survey_type": "i.survey_type",
            "score": f"floor({rnd('i.id', 52)} * 11)::int",
            "answered_at": "i.answered_at",
            "updated_at": "i.answered_at",
        },
        f"{Invitation._meta.db_table} i WHERE i.id BETWEEN %s AND %s AND i.answered_at IS NOT NULL",
        [slo + 1, shi],
    )
    progress(f"  invitations {counts['invitations']:,}, answers {counts['answers']:,}")

    opened = f"@now - interval '1 day' * (365 * {rnd('g', 60)})"
    still_open = f"{rnd('g', 61)} < .1"
    counts["cases"] = insert_select(
        Complaint,
        {
            "customer_id": "g",
            "reason": pick(("delivery_late", "delivery_damaged", "other", "worse_than_expected"), "g", 62),
            "status": f"CASE WHEN {still_open} THEN 'open' ELSE 'resolved' END",
            "opened_at": opened,
            "sla_due_at": f"{opened} + interval '2 days'",
            "resolved_at": f"CASE WHEN {still_open} THEN NULL ELSE {opened} + interval '1 day' END",
            "description": "'Generado para el banco de pruebas'",
        },
        "generate_series(%s, %s) g WHERE mod(g, 50) = 0",
        [lo + 1, hi],
    )
    progress(f"  cases {counts['cases']:,}")
    _reset_sequences()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return counts


def _reset_sequences() -> None:
    """Rows made by the app between two loads (a sweep's messages) take ids past any the next
    load writes explicitly (those stay under 2 * SURVEY_OFFSET)."""
    models = (
        Customer,
        Sale,
        SaleLine,
        Delivery,
        TimelineEntry,
        Message,
        Invitation,
        InvitationToken,
        Answer,
        Complaint,
    )
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST((SELECT max(id) FROM {table}), {2 * SURVEY_OFFSET}))"
            )


def truncate() -> None:
    """Empty every table of the apps (not auth, not the rules row)."""
    from django.apps import apps

    tables = [
        m._meta.db_table
        for app in ("customers", "followups", "surveys")
        for m in apps.get_app_config(app).get_models()
        if m._meta.db_table not in ("followups_followuprules",)
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def invitation_token(invitation_id: int) -> str:
    return f"i{invitation_id}"


def message_token_of(message_id: int) -> str:
    return f"m{message_id}"

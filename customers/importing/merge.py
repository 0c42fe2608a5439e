"""The write phase: a fixed list of set-based statements from the plan tables into the real ones.

Runs inside the import's one transaction, after plan.py has flagged what differs. Every statement
covers every row of the file at once, so the number of queries does not grow with the data.
What the services would also have done for these rows is done here in bulk: the timeline entry
of each new sale (sale_record) and of each changed delivery (delivery_update), the sale's total,
the customer's birthday key, the delivery's copy of the order time and its status clock.
"""
# ruff: noqa: S608 - the SQL is assembled from table names and constants; file data only ever
# travels as query parameters or COPY data.

from django.core.exceptions import ImproperlyConfigured

from customers import lifecycle
from customers.choices import TimelineKind
from customers.importing.dialect import Dialect
from customers.importing.plan import tables
from customers.models import Customer, Delivery, Sale, SaleLine, TimelineEntry
from customers.search import digits, fold

FOLD_PAGE = 5000


class Merge:
    def __init__(self, dialect: Dialect, *, now):
        self.d = dialect
        self.now = now
        self.t = {**tables(dialect), "timeline": dialect.q(TimelineEntry._meta.db_table)}

    def run(self) -> tuple[list[int], list[int], list[int]]:
        """Write everything; returns the ids of the new sales, of new or changed deliveries, and
        of the customers whose existing sales changed hands or order time (the old and the new
        owners: their stages count those sales)."""
        with self.d.connection.cursor() as cursor:
            self._fold(cursor)
            for sql, params in self.statements():
                cursor.execute(sql.format(**self.t), params)
            cursor.execute(
                "SELECT sale_pk FROM {orders} WHERE sale_new ORDER BY first_line".format(**self.t), []
            )
            sale_ids = [pk for (pk,) in cursor.fetchall()]
            # The new deliveries' ids came back from their INSERT (_insert_and_resolve): no look-up
            # in the shop's deliveries, whose statistics may not know yet what was just written.
            cursor.execute(
                """SELECT delivery_pk FROM {orders} WHERE delivery_new OR delivery_changed
                   ORDER BY first_line""".format(**self.t),
                [],
            )
            delivery_ids = [pk for (pk,) in cursor.fetchall() if pk is not None]
            cursor.execute(
                "SELECT old_customer_pk, customer_pk FROM {orders} WHERE sale_moved".format(**self.t), []
            )
            moved = {pk for pair in cursor.fetchall() for pk in pair if pk is not None}
        return sale_ids, delivery_ids, sorted(moved)

    def statements(self) -> list[tuple[str, list]]:
        return [*self._customers(), *self._sales(), *self._lines(), *self._deliveries()]

    # -- customers --------------------------------------------------------------------------
    def _customers(self):
        d, now = self.d, self.d.datetime_param(self.now)
        given = (
            "external_id",
            "name",
            "email",
            "phone",
            "birth_date",
            "birthday_key",
            "language",
            "search_name",
            "search_phone",
            "lifecycle_stage",
        )
        extra, extra_params = self._defaults(Customer, given)
        language = Customer._meta.get_field("language").get_default()
        # A new customer's stage, as the lifecycle refresh would compute it after the commit
        # (its one set of rules, STAGE_CASE): their sales are the file's orders under their key,
        # and they have no case, answer or prediction yet. Stored with the row, so the refresh
        # finds nothing to rewrite.
        stage, stage_params = lifecycle.stage_case(self.now)
        nothing_yet = (
            f"SELECT CAST(NULL AS {self.d.types['bigint']}) AS id, '' AS feeling, "
            f"CAST(NULL AS {self.d.types['ts']}) AS feeling_at, "
            f"CAST(NULL AS {self.d.types['bool']}) AS predicted_at_risk"
        )
        insert = (
            f"""INSERT INTO {{customer}} ({self._names(given)}{extra.columns})
                      SELECT i.ckey, COALESCE(i.name, i.email, i.ckey), COALESCE(i.email, ''),
                             COALESCE(i.phone, ''), i.birth_date, {d.birthday_key("i.birth_date")},
                             COALESCE(i.language, {self._param("text")}), f.search_name,
                             f.search_phone, {stage}{extra.values}
                      FROM {{customers}} i JOIN {{search}} f ON f.ckey = i.ckey
                      JOIN (SELECT customer_key, COUNT(*) AS n, MAX(ordered_at) AS last
                            FROM {{orders}} GROUP BY customer_key) s ON s.customer_key = i.ckey
                      CROSS JOIN ({nothing_yet}) c
                      WHERE i.customer_pk IS NULL ORDER BY i.first_line""",
            [language, *stage_params, *extra_params],
        )
        update = (
            f"""UPDATE {{customer}} SET name = COALESCE(i.name, {{customer}}.name),
                        email = COALESCE(i.email, {{customer}}.email),
                        phone = COALESCE(i.phone, {{customer}}.phone),
                        birth_date = COALESCE(i.birth_date, {{customer}}.birth_date),
                        birthday_key = CASE WHEN i.birth_date IS NULL THEN {{customer}}.birthday_key
                                            ELSE {d.birthday_key("i.birth_date")} END,
                        language = COALESCE(i.language, {{customer}}.language),
                        search_name = COALESCE(f.search_name, {{customer}}.search_name),
                        search_phone = COALESCE(f.search_phone, {{customer}}.search_phone),
                        updated_at = %s
                      FROM {{customers}} i JOIN {{search}} f ON f.ckey = i.ckey
                      WHERE {{customer}}.id = i.customer_pk AND i.changed""",
            [now],
        )
        return [*self._insert_and_resolve(insert, "customer", "customer_key", "customer_pk"), update]

    def _fold(self, cursor) -> None:
        """The search columns of the customers this import creates or changes, folded in Python
        as customer_upsert folds them (SQL has no `search.fold`), into the SEARCH table that the
        customers' INSERT and UPDATE join: each row is written once, with them. A page of
        customers at a time, by key, so memory stays bounded whatever the file."""
        cursor.execute(
            "CREATE TEMP TABLE {search} (ckey text PRIMARY KEY, search_name text, search_phone text)".format(
                **self.t
            )
        )
        after = ""
        while True:
            cursor.execute(
                """SELECT ckey, name, email, phone, customer_pk IS NULL FROM {customers}
                   WHERE ckey > %s AND (customer_pk IS NULL OR changed) ORDER BY ckey LIMIT %s""".format(
                    **self.t
                ),
                [after, FOLD_PAGE],
            )
            page = cursor.fetchall()
            rows = []
            for ckey, name, email, phone, new in page:
                if new:  # the name and phone customer_upsert would store
                    name, phone = name or email or ckey, phone or ""
                rows.append(
                    (
                        ckey,
                        None if name is None else fold(name)[:200],
                        None if phone is None else digits(phone)[:40],
                    )
                )
            self.d.insert_rows(cursor, self.t["search"], rows)
            if len(page) < FOLD_PAGE:
                return
            after = page[-1][0]

    # -- sales ------------------------------------------------------------------------------
    def _sales(self):
        given = ("external_id", "customer_id", "ordered_at", "channel", "currency", "total", "offer_code")
        extra, extra_params = self._defaults(Sale, given)
        insert = (
            f"""INSERT INTO {{sale}} ({self._names(given)}{extra.columns})
                      SELECT order_id, customer_pk, ordered_at, channel, currency, total,
                             offer_code{extra.values}
                      FROM {{orders}} WHERE sale_new ORDER BY first_line""",
            extra_params,
        )
        update = (
            """UPDATE {sale} SET customer_id = o.customer_pk, ordered_at = o.ordered_at,
                       channel = o.channel, currency = o.currency, total = o.total,
                       offer_code = COALESCE(o.offer_code, {sale}.offer_code)
                     FROM {orders} o WHERE {sale}.id = o.sale_pk AND o.sale_changed""",
            [],
        )
        timeline = self._timeline(
            at="ordered_at",
            where="sale_new",
            kind=TimelineKind.SALE,
            event="sale.recorded",
            data={"order": "order_id", "total": self.d.money_text("total"), "currency": "currency"},
        )
        return [*self._insert_and_resolve(insert, "sale", "order_id", "sale_pk"), update, timeline]

    def _lines(self):
        given = ("sale_id", "sku", "name", "category", "quantity", "unit_price")
        extra, extra_params = self._defaults(SaleLine, given)
        delete = (
            """DELETE FROM {line}
                     WHERE sale_id IN (SELECT sale_pk FROM {orders} WHERE lines_changed)""",
            [],
        )
        insert = (
            f"""INSERT INTO {{line}} ({self._names(given)}{extra.columns})
                      SELECT o.sale_pk, COALESCE(s.sku, ''), s.item_name, COALESCE(s.category, ''),
                             s.quantity, s.unit_price{extra.values}
                      FROM {{lines}} s JOIN {{orders}} o ON o.order_id = s.order_id
                      WHERE o.sale_new OR o.lines_changed ORDER BY s.line_no""",
            extra_params,
        )
        return [delete, insert]

    # -- deliveries -------------------------------------------------------------------------
    def _deliveries(self):
        now = self.d.datetime_param(self.now)
        given = (
            "sale_id",
            "ordered_at",
            "carrier",
            "tracking_number",
            "promised_date",
            "estimated_date",
            "delivered_at",
            "status",
        )
        extra, extra_params = self._defaults(Delivery, given)
        insert = (
            f"""INSERT INTO {{delivery}} ({self._names(given)}{extra.columns})
                      SELECT sale_pk, ordered_at, new_carrier, new_tracking_number,
                             new_promised_date, new_estimated_date, new_delivered_at,
                             new_status{extra.values}
                      FROM {{orders}} WHERE delivery_new ORDER BY first_line""",
            extra_params,
        )
        # A sale whose order time moved carries its delivery's copy along.
        update = (
            """UPDATE {delivery} SET carrier = o.new_carrier,
                       tracking_number = o.new_tracking_number,
                       promised_date = o.new_promised_date, estimated_date = o.new_estimated_date,
                       delivered_at = o.new_delivered_at, status = o.new_status,
                       ordered_at = o.ordered_at,
                       status_changed_at = CASE WHEN o.status_changed THEN %s
                                                ELSE {delivery}.status_changed_at END,
                       updated_at = CASE WHEN o.delivery_changed THEN %s
                                         ELSE {delivery}.updated_at END
                     FROM {orders} o WHERE {delivery}.id = o.delivery_pk AND NOT o.delivery_new
                       AND (o.delivery_changed OR o.sale_changed)""",
            [now, now],
        )
        timeline = self._timeline(
            at=self._param("ts"),
            at_params=[now],
            where="delivery_changed",
            kind=TimelineKind.DELIVERY,
            event="delivery.changed",
            data={"order": "order_id", "status": "new_status"},
        )
        resolve = self._insert_and_resolve(insert, "delivery", "sale_pk", "delivery_pk", match="sale_id")
        return [*resolve, update, timeline]

    # -- shared -----------------------------------------------------------------------------
    def _insert_and_resolve(
        self, insert: tuple[str, list], table: str, key: str, pk: str, *, match: str = "external_id"
    ):
        """Insert the new rows, then note their ids on the orders that refer to them (the new
        row's `match` column equals the order's `key`)."""
        sql, params = insert
        if self.d.postgres:
            # RETURNING hands back the new ids, sparing a second look-up in the big table.
            return [
                (
                    f"""WITH inserted AS ({sql} RETURNING id, {match})
                         UPDATE {{orders}} SET {pk} = inserted.id FROM inserted
                         WHERE inserted.{match} = {{orders}}.{key}""",
                    params,
                )
            ]
        return [
            insert,
            (
                f"""UPDATE {{orders}} SET {pk} = x.id FROM {{{table}}} x
                             WHERE x.{match} = {{orders}}.{key} AND {{orders}}.{pk} IS NULL""",
                [],
            ),
        ]

    def _timeline(
        self,
        *,
        at: str,
        where: str,
        kind: str,
        event: str,
        data: dict[str, str],
        at_params: list | None = None,
    ):
        """The timeline entries of these rows, as timeline_add writes them: the event and its
        facts (`data`: key -> SQL expression over the orders table), no sentence."""
        given = ("customer_id", "at", "kind", "event", "data", "sale_id")
        extra, extra_params = self._defaults(TimelineEntry, given)
        sql = f"""INSERT INTO {{timeline}} ({self._names(given)}{extra.columns})
                   SELECT customer_pk, {at}, {self._param("text")}, {self._param("text")},
                          {self.d.json_object(data)}, sale_pk{extra.values}
                   FROM {{orders}} WHERE {where} ORDER BY first_line"""
        return sql, [*(at_params or []), str(kind), event, *extra_params]

    def _names(self, fields: tuple[str, ...]) -> str:
        return ", ".join(self.d.q(name) for name in fields)

    def _param(self, kind: str) -> str:
        # PostgreSQL resolves an untyped literal in a SELECT list to text, which jsonb or
        # timestamp columns refuse; SQLite must not cast (CAST AS datetime makes a number).
        return f"CAST(%s AS {self.d.types[kind]})" if self.d.postgres else "%s"

    def _defaults(self, model, given: tuple[str, ...]):
        """The columns the import does not fill, with the model's defaults (a new field keeps
        working without touching this file)."""
        connection = self.d.connection
        columns, values, params = [], [], []
        for field in model._meta.concrete_fields:
            if field.primary_key or field.column in given:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = self.now
            else:
                value = field.get_default()
            if value is None and not field.null:
                raise ImproperlyConfigured(
                    f"The sales import cannot fill {model.__name__}.{field.name}: give it a default."
                )
            columns.append(self.d.q(field.column))
            values.append(f"CAST(%s AS {field.db_type(connection)})" if self.d.postgres else "%s")
            params.append(field.get_db_prep_save(value, connection))
        return _Extra(columns, values), params


class _Extra:
    def __init__(self, columns: list[str], values: list[str]):
        self.columns = "".join(f", {c}" for c in columns)
        self.values = "".join(f", {v}" for v in values)

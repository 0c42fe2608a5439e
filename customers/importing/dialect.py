"""The few places where the import's SQL differs between PostgreSQL and SQLite."""

import io

from django.db.backends.base.base import BaseDatabaseWrapper

COPY_NULL = "\\N"  # COPY's text format for NULL

TYPES = {
    "postgresql": {
        "int": "integer",
        "bigint": "bigint",
        "text": "text",
        "date": "date",
        "ts": "timestamp with time zone",
        "money": "numeric(12,2)",
        "total": "numeric(14,2)",
        "bool": "boolean",
    },
    # SQLite keeps what Django keeps: UTC datetimes as "YYYY-MM-DD HH:MM:SS[.ffffff]" text.
    "sqlite": {
        "int": "integer",
        "bigint": "integer",
        "text": "text",
        "date": "date",
        "ts": "datetime",
        "money": "decimal",
        "total": "decimal",
        "bool": "bool",
    },
}


class Dialect:
    def __init__(self, connection: BaseDatabaseWrapper):
        if connection.vendor not in TYPES:
            raise NotImplementedError(
                f"The sales import supports PostgreSQL and SQLite, not {connection.vendor}."
            )
        self.connection = connection
        self.vendor = connection.vendor
        self.types = TYPES[connection.vendor]
        self.postgres = connection.vendor == "postgresql"

    def q(self, name: str) -> str:
        return self.connection.ops.quote_name(name)

    def columns(self, spec: tuple[tuple[str, str], ...]) -> str:
        return ", ".join(f"{name} {self.types[kind]}" for name, kind in spec)

    def ne(self, a: str, b: str) -> str:
        """Null-safe "differs" (IS DISTINCT FROM is SQLite 3.39+; IS NOT is older and equal)."""
        return f"{a} IS DISTINCT FROM {b}" if self.postgres else f"{a} IS NOT {b}"

    def money_text(self, expr: str) -> str:
        """A 2-decimal amount as text, "25.00", as str(Decimal) writes it in sale_record."""
        return f"CAST({expr} AS text)" if self.postgres else f"printf('%%.2f', {expr})"

    def json_object(self, pairs: dict[str, str]) -> str:
        """A JSON object of constant keys and SQL expressions (keys come from our code only)."""
        if any(not key.isidentifier() for key in pairs):
            raise ValueError(f"not a plain key: {list(pairs)}")
        body = ", ".join(f"'{key}', {expr}" for key, expr in pairs.items())
        return f"jsonb_build_object({body})" if self.postgres else f"json_object({body})"

    def birthday_key(self, expr: str) -> str:
        if self.postgres:
            return f"CAST(EXTRACT(MONTH FROM {expr}) * 100 + EXTRACT(DAY FROM {expr}) AS integer)"
        return f"CAST(strftime('%%m', {expr}) AS integer) * 100 + CAST(strftime('%%d', {expr}) AS integer)"

    def datetime_param(self, value):
        return self.connection.ops.adapt_datetimefield_value(value)

    def insert_rows(self, cursor, table: str, rows: list[tuple]) -> None:
        """Rows of text or None into a table of ours: one COPY on PostgreSQL, else executemany."""
        if not rows:
            return
        if self.postgres:
            cells = ("\t".join(COPY_NULL if v is None else copy_escape(v) for v in row) for row in rows)
            text = "".join(line + "\n" for line in cells)
            cursor.copy_expert(f"COPY {table} FROM STDIN", io.StringIO(text))
            return
        marks = ", ".join(["%s"] * len(rows[0]))
        cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)  # noqa: S608 - our table name


def copy_escape(value: str) -> str:
    """A value in COPY's text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")

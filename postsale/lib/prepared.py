"""Reads planned once per database connection: PostgreSQL prepared statements for hot pages.

A customer's survey link is one SELECT joining six tables by primary and unique keys. PostgreSQL
runs it in about 0.1 ms but plans it anew every time, 0.7-1.5 ms: most of the page's database
cost, paid on every request. Inside `prepared_statements()`, each SELECT the ORM sends is
PREPAREd the first time this connection sees its text (named by a hash of it) and EXECUTEd from
then on, so its plan is kept; the ORM builds its queries and reads its rows exactly as before.
bench/public_prepared.py measures it.

Plain execution instead: on databases other than PostgreSQL; behind PgBouncer in transaction
pooling (DATABASE_POOLER=pgbouncer: a session's statements would land on other server
connections); for anything but a SELECT (savepoints and writes are not worth it); and after
MAX_PER_CONNECTION distinct texts on one connection (queries whose text varies, like IN lists
of different lengths, would otherwise pile up). A new connection (CONN_MAX_AGE, a reconnect after
a failover) starts with none, and the server re-plans a statement by itself when a table it reads
changes. Prepared statements outlive the transaction that created them (a rollback keeps them).
"""

import hashlib
import re
from contextlib import contextmanager

from django.conf import settings
from django.db import connection

MAX_PER_CONNECTION = 200
PLACEHOLDER = re.compile(r"%s|%%")


def numbered(sql: str) -> tuple[str, int]:
    """The ORM's `%s` placeholders as PostgreSQL's `$1, $2, …` (and its `%%` as `%`)."""
    count = 0

    def replace(match: re.Match) -> str:
        nonlocal count
        if match.group(0) == "%%":
            return "%"
        count += 1
        return f"${count}"

    return PLACEHOLDER.sub(replace, sql), count


def statement_name(sql: str) -> str:
    return "ps_" + hashlib.sha1(sql.encode(), usedforsecurity=False).hexdigest()[:24]


def _known(conn) -> set[str]:
    """The statements prepared on this wrapper's current server connection."""
    raw = conn.connection
    state = getattr(conn, "_postsale_prepared", None)
    if state is None or state[0] is not raw:
        state = (raw, set())
        conn._postsale_prepared = state
    return state[1]


def _execute_prepared(execute, sql, params, many, context):
    if many or not sql.lstrip()[:6].upper() == "SELECT":
        return execute(sql, params, many, context)
    conn = context["connection"]
    known = _known(conn)
    name = statement_name(sql)
    if name not in known:
        if len(known) >= MAX_PER_CONNECTION:
            return execute(sql, params, many, context)
        # No parameters at all (None): the text was not written for %-formatting.
        text, count = numbered(sql) if params is not None else (sql, 0)
        if count != len(params or ()):
            return execute(sql, params, many, context)
        execute(f"PREPARE {name} AS {text}", None, False, context)
        known.add(name)
    if not params:
        return execute(f"EXECUTE {name}", None, False, context)
    placeholders = ", ".join(["%s"] * len(params))
    return execute(f"EXECUTE {name}({placeholders})", params, False, context)


def enabled() -> bool:
    return connection.vendor == "postgresql" and getattr(settings, "DATABASE_POOLER", "") != "pgbouncer"


@contextmanager
def prepared_statements():
    """Every SELECT on the default database inside this block runs as a prepared statement."""
    if not enabled():
        yield
        return
    with connection.execute_wrapper(_execute_prepared):
        yield

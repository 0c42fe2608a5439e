"""Reads of a fixed shape whose SQL the ORM compiles once per process, not on every request.

A customer's order page runs four small SELECTs by key. PostgreSQL answers each in a fraction of a
millisecond (their plans are kept: postsale/lib/prepared.py), but Django builds and compiles the
queryset anew every time: 55% of the page's time in a profile at 20,000 customers (issue 18). A
`CompiledRead` is written as the queryset it stands for, with the request's values as arguments:

    sale_pending = CompiledRead(
        lambda sale_id, now: Invitation.objects.filter(sale_id=sale_id, expires_at__gt=now)[:1],
        int, dt.datetime,
    )
    invitation = sale_pending.first(sale.pk, timezone.now())

The first call (per database alias) builds the queryset once with stand-in values of the given
types, compiles it, and finds where each stand-in went in the parameters. Every call then sends
that SQL with its own values and builds the model instances the way the queryset would, with their
select_related objects attached (Django's own populators), so a caller cannot tell the two apart;
tests/postsale/test_compiled_reads.py holds each read to its queryset.

What a read may hold: filters, select_related, only/defer, order_by and a slice. Values must be
arguments, not computed inside the builder (it runs once). A lookup whose SQL depends on the time
zone (`__date`) or on the active language would be frozen at its first call, so it is refused here
by review, not by code: keep such reads as plain querysets.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models.query import get_related_populators

# One stand-in per argument, of a type the field accepts, that no real value can equal.
_STAND_INS = {
    str: lambda i: f"\x00compiled-read-{i}\x00",
    int: lambda i: -(2**62) - i,
    dt.datetime: lambda i: dt.datetime(1, 1, 1, 0, 0, i, 123457, tzinfo=dt.UTC),
}


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple  # the compiled parameters, stand-ins included
    slots: tuple  # for each parameter, the argument it takes (None: keep the compiled value)
    kinds: tuple  # each argument's type
    col_count: int
    model: type
    fields: tuple  # the attnames of the model's own columns
    own: slice  # where those columns are in a row
    populators: list
    converters: dict
    compiler: Any  # applies the converters (JSON, booleans and dates on SQLite)


class CompiledRead:
    def __init__(self, build, *kinds: type):
        unknown = [kind for kind in kinds if kind not in _STAND_INS]
        if unknown:
            raise ImproperlyConfigured(f"CompiledRead takes {list(_STAND_INS)} arguments, not {unknown}")
        self._build = build
        self._kinds = kinds
        self._plans: dict[tuple[str, str], _Plan] = {}

    def __call__(self, *values) -> list:
        """The rows, as model instances, for these argument values."""
        if len(values) != len(self._kinds):
            raise TypeError(f"this read takes {len(self._kinds)} values, got {len(values)}")
        alias = self._alias()
        connection = connections[alias]
        plan = self._plans.get((alias, connection.vendor)) or self._compile(alias)
        params = [
            constant if slot is None else _adapt(connection, plan.kinds[slot], values[slot])
            for constant, slot in zip(plan.params, plan.slots, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        return [_instance(plan, alias, row) for row in _converted(plan, rows)]

    def first(self, *values):
        rows = self(*values)
        return rows[0] if rows else None

    def _alias(self) -> str:
        return router.db_for_read(self._model())

    def _model(self):
        model = getattr(self, "_model_class", None)
        if model is None:
            model = self._model_class = self._queryset().model
        return model

    def _queryset(self):
        return self._build(*(_STAND_INS[kind](i) for i, kind in enumerate(self._kinds)))

    def _compile(self, alias: str) -> _Plan:
        queryset = self._queryset()
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise ImproperlyConfigured("a CompiledRead cannot prefetch")
        connection = connections[alias]
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        stand_ins = {_adapt(connection, kind, _STAND_INS[kind](i)): i for i, kind in enumerate(self._kinds)}
        slots = tuple(stand_ins.get(param) if _hashable(param) else None for param in params)
        missing = set(range(len(self._kinds))) - set(slots)
        if missing:
            raise ImproperlyConfigured(f"arguments {sorted(missing)} do not reach this read's SQL: {sql}")
        info = compiler.klass_info
        own = slice(info["select_fields"][0], info["select_fields"][-1] + 1)
        selected = [column[0] for column in compiler.select[: compiler.col_count]]
        plan = _Plan(
            sql=sql,
            params=tuple(params),
            slots=slots,
            kinds=self._kinds,
            col_count=compiler.col_count,
            model=info["model"],
            fields=tuple(column[0].target.attname for column in compiler.select[own]),
            own=own,
            populators=get_related_populators(info, compiler.select, alias),
            converters=compiler.get_converters(selected),
            compiler=compiler,
        )
        self._plans[(alias, connection.vendor)] = plan
        return plan


def _adapt(connection, kind: type, value):
    """A value as the compiled parameters hold it (SQLite stores datetimes as text)."""
    if kind is dt.datetime:
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _converted(plan: _Plan, rows: list) -> list:
    rows = [row[: plan.col_count] for row in rows] if rows and len(rows[0]) > plan.col_count else rows
    if plan.converters:
        rows = list(plan.compiler.apply_converters(rows, plan.converters))
    return rows


def _instance(plan: _Plan, alias: str, row):
    obj = plan.model.from_db(alias, plan.fields, row[plan.own])
    for populator in plan.populators:
        populator.populate(row, obj)
    return obj

"""`ids_in("pk", ids)`: a filter on a list of ids that costs the same however long the list.

Django's `pk__in=ids` writes one placeholder per id and prepares every value through the field
(about 4 µs an id: a second of an import's follow-up planning at 200,000 lines). On PostgreSQL
this sends the list as one array parameter, `"id" = ANY(%s)`, which psycopg2 adapts in C; the SQL
text is then the same for any number of ids. Elsewhere it is a plain IN.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import F, Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False  # ids are ints already; no per-value preparation

    def get_prep_lookup(self):
        return [int(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = self.rhs
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            raise EmptyResultSet
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


def ids_in(field: str, ids) -> AnyOf:
    """A filter: `field` is one of `ids` (integers). `Model.objects.filter(ids_in("pk", ids))`."""
    return AnyOf(F(field), list(ids))

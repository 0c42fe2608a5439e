"""Indexes for the staff customer search (name contains, e-mail equals ignoring case).

Django writes `name__icontains` as UPPER(name) LIKE UPPER('%…%') and `email__iexact` as
UPPER(email) = UPPER(…): without these a search reads every customer. PostgreSQL only (a trigram
GIN index needs the pg_trgm extension; where the role may not create it, the search still works,
only slower, and the migration says so). Index only, in SQL: the tracked model state is unchanged.
"""

import logging

from django.db import DatabaseError, migrations

log = logging.getLogger(__name__)
INDEXES = {
    "customer_name_trgm_idx": "USING gin (UPPER(name::text) gin_trgm_ops)",
    "customer_email_upper_idx": "(UPPER(email::text))",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        try:
            if "trgm" in definition:
                schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} "
                                  f"ON customers_customer {definition}")
        except DatabaseError as exc:
            log.warning("customer search index %s not created: %s", name, exc)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("customers", "0005_complaint_source_stuck_parcel")]

    operations = [migrations.RunPython(create, drop, elidable=False)]

"""Fill the folded search name of every customer and the due times of open cases; on PostgreSQL,
a trigram index makes "part of a name" searches indexed (a no-op on SQLite)."""

from django.db import migrations
from django.db.models import F

from customers.search import digits, fold

BATCH = 2000


def fill(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    Complaint = apps.get_model("customers", "Complaint")
    last = 0
    while True:
        rows = list(Customer.objects.filter(pk__gt=last).order_by("pk").only("pk", "name", "phone")[:BATCH])
        if not rows:
            break
        for row in rows:
            row.search_name = fold(row.name)[:200]
            row.search_phone = digits(row.phone)[:40]
        Customer.objects.bulk_update(rows, ["search_name", "search_phone"])
        last = rows[-1].pk
    # Until the next recompute (complaints_sla_recompute), an open case is due when it was.
    Complaint.objects.filter(status__in=["open", "in_progress", "waiting_customer"]).update(
        resolution_due_at=F("sla_due_at"), next_due_at=F("sla_due_at"),
        next_due_soon_at=F("sla_due_at"), next_due_clock="resolution")


TRIGRAM = ("CREATE INDEX IF NOT EXISTS customer_search_name_trgm "
           "ON customers_customer USING gin (search_name gin_trgm_ops)")


def trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(TRIGRAM)
    # icontains on PostgreSQL is UPPER(col) LIKE UPPER(%s): the indexes take the same form.
    schema_editor.execute("CREATE INDEX IF NOT EXISTS customer_email_trgm "
                          "ON customers_customer USING gin (upper(email::text) gin_trgm_ops)")
    schema_editor.execute("CREATE INDEX IF NOT EXISTS customer_phone_trgm "
                          "ON customers_customer USING gin (search_phone gin_trgm_ops)")


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS customer_search_name_trgm")
        schema_editor.execute("DROP INDEX IF EXISTS customer_email_trgm")
        schema_editor.execute("DROP INDEX IF EXISTS customer_phone_trgm")


class Migration(migrations.Migration):
    dependencies = [("customers", "0007_customer_search_phone")]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(trigram_index, drop_trigram_index),
    ]

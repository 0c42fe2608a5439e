"""The outbox page's order (newest planned first): an index it can read from the top.

Index only, in SQL rather than in the model's Meta: the state the migrations track is unchanged,
so this adds nothing for makemigrations to see. Built CONCURRENTLY on PostgreSQL, so a large
outbox keeps taking writes while it builds.
"""

from django.db import migrations

NAME = "message_planned_desc_idx"


def create(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {NAME} "
                          "ON followups_message (planned_at DESC, id DESC)")


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("followups", "0010_case_reply_kind")]

    operations = [migrations.RunPython(create, drop, elidable=False)]

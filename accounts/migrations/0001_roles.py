from django.db import migrations


def create_roles(apps, schema_editor):
    from accounts.roles import sync_roles_after_migrate

    sync_roles_after_migrate(sender=None, apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]

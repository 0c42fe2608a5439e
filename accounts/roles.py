"""The staff roles, as code: which permissions each group holds.

The data migration creates the groups; every later migrate re-syncs them, so a model added later
is covered without another data migration.
"""

SUPPORT = "Support"
MANAGER = "Manager"

# (app_label, codename) pairs; "*" means every permission of the app's models.
SUPPORT_PERMISSIONS = [
    ("customers", "view_customer"),
    ("customers", "change_customer"),
    ("customers", "add_customer"),
    ("customers", "view_sale"),
    ("customers", "view_saleline"),
    ("customers", "view_delivery"),
    ("customers", "change_delivery"),
    ("customers", "view_complaint"),
    ("customers", "add_complaint"),
    ("customers", "change_complaint"),
    ("customers", "view_timelineentry"),
    ("customers", "add_timelineentry"),
    ("followups", "view_message"),
    ("followups", "change_message"),  # send a failed message again (followups.outbox.message_retry)
    ("surveys", "view_answer"),
    ("surveys", "view_answerrevision"),
    ("surveys", "view_invitation"),
]
MANAGER_EXTRA = [
    ("customers", "*"),
    ("followups", "*"),
    ("surveys", "*"),
    ("reports", "*"),
    ("support", "*"),  # macros, notifications (support workspace)
    ("authtoken", "view_token"),
]
ROLES = {SUPPORT: SUPPORT_PERMISSIONS, MANAGER: SUPPORT_PERMISSIONS + MANAGER_EXTRA}


def sync_roles(group_model, permission_model) -> None:
    for name, wanted in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=name)
        perms = []
        for app_label, codename in wanted:
            qs = permission_model.objects.filter(content_type__app_label=app_label)
            if codename != "*":
                qs = qs.filter(codename=codename)
            perms.extend(qs)
        group.permissions.add(*perms)


def sync_roles_after_migrate(sender, apps=None, using="default", **kwargs):
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    apps = apps or global_apps  # flush (between transactional tests) sends no apps

    for app_config in apps.get_app_configs():
        # Migration-state app configs carry no models module; create_permissions wants one.
        original = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
        app_config.models_module = original
    sync_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))

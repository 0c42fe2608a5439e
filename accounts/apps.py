from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Staff accounts")

    def ready(self):
        from accounts.roles import sync_roles_after_migrate

        # Models added after the roles migration get their permissions on the next migrate.
        post_migrate.connect(sync_roles_after_migrate, sender=self)

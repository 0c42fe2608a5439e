from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers and sales")

    def ready(self):
        from customers import lifecycle

        lifecycle.subscribe_all()

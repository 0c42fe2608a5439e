from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from customers.choices import ComplaintStatus
from customers.models import Complaint, Customer, Delivery, Sale
from postsale.lib.dates import SafeIsoDateTimeFilter


class CustomerFilter(filters.FilterSet):
    email = filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Customer
        fields = [
            "external_id",
            "email",
            "lifecycle_stage",
            "language",
            "marketing_consent",
            "do_not_contact",
        ]


class SaleFilter(filters.FilterSet):
    customer = filters.NumberFilter(field_name="customer_id", label=_("Customer id"))
    customer_external_id = filters.CharFilter(field_name="customer__external_id")
    ordered_after = SafeIsoDateTimeFilter(
        field_name="ordered_at", lookup_expr="gte", label=_("Ordered at or after (ISO 8601)")
    )
    ordered_before = SafeIsoDateTimeFilter(
        field_name="ordered_at", lookup_expr="lt", label=_("Ordered before (ISO 8601)")
    )

    class Meta:
        model = Sale
        fields = [
            "external_id",
            "customer",
            "customer_external_id",
            "channel",
            "ordered_after",
            "ordered_before",
        ]


class DeliveryFilter(filters.FilterSet):
    late = filters.BooleanFilter(
        method="filter_late", label=_("Late today: open, and past or beyond its promised date")
    )
    external_id = filters.CharFilter(field_name="sale__external_id", label=_("Order id"))
    customer = filters.NumberFilter(field_name="sale__customer_id", label=_("Customer id"))

    class Meta:
        model = Delivery
        fields = ["status", "carrier", "late", "external_id", "customer"]

    def filter_late(self, queryset, name, value: bool):
        today = timezone.localdate()
        if value:
            return queryset.late(today)
        return queryset.exclude(pk__in=Delivery.objects.late(today).values("pk"))


class ComplaintFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(
        choices=ComplaintStatus.choices, label=_("Status (repeat for several)")
    )
    customer = filters.NumberFilter(field_name="customer_id", label=_("Customer id"))
    customer_external_id = filters.CharFilter(field_name="customer__external_id")
    assignee = filters.CharFilter(field_name="assignee__username", label=_("Assignee's username"))

    class Meta:
        model = Complaint
        fields = ["status", "severity", "reason", "source", "customer", "customer_external_id", "assignee"]

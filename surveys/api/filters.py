from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from postsale.lib.dates import SafeIsoDateTimeFilter
from surveys.models import Answer


class AnswerFilter(filters.FilterSet):
    customer = filters.NumberFilter(field_name="customer_id", label=_("Customer id"))
    customer_external_id = filters.CharFilter(field_name="customer__external_id")
    answered_after = SafeIsoDateTimeFilter(
        field_name="answered_at", lookup_expr="gte", label=_("Answered at or after (ISO 8601)")
    )
    answered_before = SafeIsoDateTimeFilter(
        field_name="answered_at", lookup_expr="lt", label=_("Answered before (ISO 8601)")
    )

    class Meta:
        model = Answer
        fields = [
            "customer",
            "customer_external_id",
            "survey_type",
            "flagged",
            "answered_after",
            "answered_before",
        ]

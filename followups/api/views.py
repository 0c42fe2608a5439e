from django.db.models import Prefetch
from django_filters import rest_framework as filters
from rest_framework import viewsets

from followups.api.serializers import MessageSerializer
from followups.models import Message, MessageEvent
from postsale.lib.dates import SafeIsoDateTimeFilter


class MessageFilter(filters.FilterSet):
    # by id, not a choice among existing rows: an unknown id is an empty list, not a 400
    customer = filters.NumberFilter(field_name="customer_id")
    sale = filters.NumberFilter(field_name="sale_id")
    customer_external_id = filters.CharFilter(field_name="customer__external_id")
    planned_after = SafeIsoDateTimeFilter(field_name="planned_at", lookup_expr="gte")
    planned_before = SafeIsoDateTimeFilter(field_name="planned_at", lookup_expr="lt")

    class Meta:
        model = Message
        fields = ["customer", "kind", "state", "category", "sale"]


class MessageViewSet(viewsets.ReadOnlyModelViewSet):
    """The outbox, read-only: every planned, sent, deferred, suppressed or cancelled message."""

    serializer_class = MessageSerializer
    filterset_class = MessageFilter
    ordering_fields = ["planned_at", "sent_at", "id"]
    queryset = (
        Message.objects.select_related("customer", "staff_recipient", "sale")
        .order_by("-planned_at", "-id")
        .prefetch_related(Prefetch("events", queryset=MessageEvent.objects.order_by("at", "id")))
    )

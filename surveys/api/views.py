from drf_spectacular.utils import extend_schema
from rest_framework import viewsets

from customers.api.permissions import ModelPermissions
from surveys.api.filters import AnswerFilter
from surveys.api.serializers import AnswerOutput
from surveys.models import Answer


@extend_schema(tags=["surveys"])
class AnswerViewSet(viewsets.ReadOnlyModelViewSet):
    """Survey answers (read only): the current answer per invitation. `flagged` answers looked
    automated (a mail scanner) and are left out of the metrics."""

    queryset = Answer.objects.select_related("customer", "invitation__sale").order_by("-answered_at", "-pk")
    serializer_class = AnswerOutput
    permission_classes = [ModelPermissions]
    filterset_class = AnswerFilter
    ordering_fields = ["answered_at", "score", "id"]

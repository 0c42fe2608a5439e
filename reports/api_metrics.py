"""GET /api/v1/metrics/?start=YYYY-MM-DD&end=YYYY-MM-DD[&channel=…&category=…]

Every dashboard metric under its name, with its value, its count of observations and the
previous period's value. Managers only (token or session), like the report pages.
"""

import re

from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import is_manager
from reports.api import purchase_model_as_of
from reports.forms import ScopeForm
from reports.metrics.payload import metrics_payload


class IsManager(BasePermission):
    def has_permission(self, request, view):
        return is_manager(request.user)


def _is_iso_date(text: str) -> bool:
    try:
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)) and bool(parse_date(text))
    except ValueError:  # 2026-02-30
        return False


def scope_from(params):
    """The period and filters of a request, or a 400 naming what is wrong."""
    bad = {
        name: [str(_("Enter a date as YYYY-MM-DD."))]
        for name in ("start", "end")
        if name in params and not _is_iso_date(params[name])
    }
    if bad:
        raise ValidationError(bad)
    form = ScopeForm(params)
    if not form.is_valid():
        raise ValidationError(
            {
                field if field in ("start", "end") else "end": [str(e) for e in errors]
                for field, errors in form.errors.items()
            }
        )
    return form.scope()


@extend_schema(
    tags=["reports"],
    parameters=[
        OpenApiParameter("start", OpenApiTypes.DATE, description="First day (default: 30 days ago)"),
        OpenApiParameter("end", OpenApiTypes.DATE, description="Day after the last (default: tomorrow)"),
        OpenApiParameter("channel", str),
        OpenApiParameter("category", str),
    ],
    responses={200: OpenApiTypes.OBJECT},
)
class MetricsView(APIView):
    """The retention metrics of a period, compared with the period of the same length before."""

    permission_classes = [IsManager]

    def get(self, request):
        scope = scope_from(request.query_params)
        payload = metrics_payload(scope.start, scope.end, scope.channel, scope.category)
        # The purchase model's fit in force on `end`.
        payload.update(end=scope.end, **purchase_model_as_of(scope.end))
        return Response(payload)

"""GET /api/v1/metrics/: retention metrics as of a day, each under its name (managers' tokens).

For now it carries the purchase model: the fit in force on `end` and the customers it flagged
at risk then. The counts are the ones the fit recorded (a later change of the managers'
threshold re-counts the latest fit only), so an old `end` answers what was known that day.
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.response import Response

from reports.models import PurchaseModelFit
from reports.predictions import latest_fit
from reports.reasons import fit_status_text


class CanReadReports(permissions.BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.has_perm("reports.view_reports"))


class MetricsQueryInput(serializers.Serializer):
    start = serializers.DateField(required=False, help_text=_("First day of the period (YYYY-MM-DD)."))
    end = serializers.DateField(
        required=False, help_text=_("Last day of the period (YYYY-MM-DD); default today.")
    )

    def validate(self, attrs):
        if attrs.get("start") and attrs.get("end") and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"start": [_("The period starts after it ends.")]})
        return attrs


class PurchaseModelOutput(serializers.Serializer):
    r = serializers.FloatField()
    alpha = serializers.FloatField()
    a = serializers.FloatField()
    b = serializers.FloatField()
    customers = serializers.IntegerField(help_text=_("Buyers scored by this fit."))
    fit_sample = serializers.IntegerField(help_text=_("Buyers the parameters were fitted on."))
    as_of = serializers.DateField()
    fitted_at = serializers.DateTimeField()
    threshold = serializers.FloatField(help_text=_("P(alive) below which a valuable customer is at risk."))


class AtRiskOutput(serializers.Serializer):
    count = serializers.IntegerField()
    share = serializers.FloatField(help_text=_("Out of the buyers scored."))


class MetricsOutput(serializers.Serializer):
    end = serializers.DateField()
    purchase_model = PurchaseModelOutput(allow_null=True)
    purchase_model_message = serializers.CharField(
        allow_blank=True, help_text=_("Why there is no fit as of end, when there is none.")
    )
    at_risk = AtRiskOutput(allow_null=True)


def _purchase_model(fit: PurchaseModelFit | None) -> dict:
    if fit is None:
        return {
            "purchase_model": None,
            "at_risk": None,
            "purchase_model_message": str(_("The purchase model had not been fitted by then.")),
        }
    if fit.status != PurchaseModelFit.Status.OK:
        return {"purchase_model": None, "at_risk": None, "purchase_model_message": fit_status_text(fit)}
    model = {
        "r": fit.r,
        "alpha": fit.alpha,
        "a": fit.a,
        "b": fit.b,
        "customers": fit.buyers,
        "fit_sample": fit.fit_sample,
        "as_of": fit.as_of,
        "fitted_at": fit.fitted_at,
        "threshold": fit.threshold,
    }
    return {
        "purchase_model": model,
        "purchase_model_message": "",
        "at_risk": {"count": fit.at_risk, "share": fit.at_risk_share},
    }


def purchase_model_as_of(day: dt.date) -> dict:
    """The fit in force on that day, for /api/v1/metrics/ (reports/api_metrics.py)."""
    return _purchase_model(latest_fit(day))


@extend_schema(tags=["metrics"])
class MetricsViewSet(viewsets.ViewSet):
    permission_classes = [permissions.IsAuthenticated, CanReadReports]

    @extend_schema(parameters=[MetricsQueryInput], responses=MetricsOutput)
    def list(self, request):
        query = MetricsQueryInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        end: dt.date = query.validated_data.get("end") or timezone.localdate()
        data = {"end": end, **_purchase_model(latest_fit(end))}
        return Response(MetricsOutput(data).data)

"""Campaigns, read-only, and their results: GET /api/v1/campaigns/<id>/results/."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from accounts.permissions import is_manager
from campaigns.models import Campaign
from campaigns.selectors import campaign_results, results_data


class IsManager(BasePermission):
    """Campaigns are managers' business, in the API as in the browser."""

    def has_permission(self, request, view):
        return is_manager(request.user)


class CampaignOutput(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "status",
            "schedule",
            "holdout_percent",
            "offer_code",
            "offer_expires_on",
            "created_at",
            "launched_at",
            "stopped_at",
        ]
        read_only_fields = fields


class GroupOutput(serializers.Serializer):
    members = serializers.IntegerField()
    bought_30 = serializers.IntegerField()
    bought_90 = serializers.IntegerField()
    share_30 = serializers.FloatField(allow_null=True)
    share_90 = serializers.FloatField(allow_null=True)
    revenue_90 = serializers.DecimalField(max_digits=14, decimal_places=2)
    revenue_per_customer = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)


class UpliftOutput(serializers.Serializer):
    difference = serializers.FloatField()
    low = serializers.FloatField()
    high = serializers.FloatField()


class ResultsOutput(serializers.Serializer):
    sent = GroupOutput()
    holdout = GroupOutput()
    uplift_30 = UpliftOutput(allow_null=True)
    uplift_90 = UpliftOutput(allow_null=True)
    messages = serializers.DictField(child=serializers.IntegerField())
    events = serializers.DictField(child=serializers.IntegerField())
    attributed_sales = serializers.IntegerField()
    attributed_revenue = serializers.DecimalField(max_digits=14, decimal_places=2)
    attributed_customers = serializers.IntegerField()


@extend_schema(tags=["campaigns"])
class CampaignViewSet(viewsets.ReadOnlyModelViewSet):
    """Managers' campaigns. Results compare the sent group with the holdout; shares and uplifts
    are proportions (0.25 is 25 %), the interval is the uplift's 95% one."""

    permission_classes = [IsManager]
    serializer_class = CampaignOutput
    queryset = Campaign.objects.order_by("-created_at", "-pk")

    @extend_schema(responses=ResultsOutput)
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        return Response(ResultsOutput(results_data(campaign_results(self.get_object()))).data)

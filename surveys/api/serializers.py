from rest_framework import serializers

from surveys.models import Answer


class AnswerOutput(serializers.ModelSerializer):
    customer_external_id = serializers.CharField(source="customer.external_id", read_only=True)
    order_id = serializers.CharField(
        source="invitation.sale.external_id",
        default=None,
        read_only=True,
        help_text="The order the survey asked about.",
    )
    about_case = serializers.IntegerField(
        source="invitation.complaint_id", read_only=True, help_text="The case a case survey asked about."
    )
    opened_case = serializers.IntegerField(
        source="complaint_id", read_only=True, help_text="The case this unhappy answer opened."
    )
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Answer
        fields = [
            "id",
            "customer",
            "customer_external_id",
            "order_id",
            "about_case",
            "survey_type",
            "score",
            "ces_score",
            "would_buy_again",
            "comment",
            "reasons",
            "flagged",
            "opened_case",
            "answered_at",
            "updated_at",
        ]
        read_only_fields = fields

from rest_framework import serializers

from followups.models import Message, MessageEvent


class MessageEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = MessageEvent
        fields = ["event", "at", "detail"]


class MessageSerializer(serializers.ModelSerializer):
    events = MessageEventSerializer(many=True, read_only=True)
    # Staff mail (the weekly digest) has no customer: both are null, staff_recipient says who.
    customer_external_id = serializers.CharField(
        source="customer.external_id", read_only=True, default=None, allow_null=True
    )
    staff_recipient = serializers.CharField(
        source="staff_recipient.username", read_only=True, default=None, allow_null=True
    )
    sale_external_id = serializers.CharField(
        source="sale.external_id", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Message
        fields = [
            "id",
            "kind",
            "category",
            "customer",
            "customer_external_id",
            "staff_recipient",
            "sale",
            "sale_external_id",
            "complaint",
            "state",
            "reason",
            "planned_at",
            "expires_at",
            "sent_at",
            "attempts",
            "to_email",
            "language",
            "subject",
            "esp_message_id",
            "events",
        ]
        read_only_fields = fields

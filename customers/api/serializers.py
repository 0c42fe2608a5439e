"""What the API reads (…Input) and what it answers (…Output): never the same class, so a field a
client may not write cannot slip in through a representation, and the schema says exactly which
fields each request takes.
"""

import functools
import zoneinfo
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.roles import MANAGER, SUPPORT
from customers.choices import Channel, CompensationKind, ComplaintStatus, Reason, Severity
from customers.models import Complaint, Customer, Delivery, Sale, SaleLine
from postsale.lib import dates

# Sale.total is DECIMAL(12, 2): a larger sum would be a database error, so it is a 400 here.
MAX_TOTAL = Decimal("9999999999.99")
MAX_QUANTITY = 2_147_483_647  # the PositiveIntegerField range on every database
MAX_LINES = 1000
MAX_TEXT = 5000
MAX_BULK_ORDERS = 1000  # per POST /api/v1/sales/bulk/


# --- Output --------------------------------------------------------------------------------


class CustomerOutput(serializers.ModelSerializer):
    # The purchase model's latest score (reports.CustomerPrediction); null where it has none.
    p_alive = serializers.FloatField(
        source="prediction.p_alive",
        read_only=True,
        allow_null=True,
        help_text=_("Probability that the customer still buys from the shop (purchase model)."),
    )
    expected_purchases_52w = serializers.FloatField(
        source="prediction.expected_52w",
        read_only=True,
        allow_null=True,
        help_text=_("Purchases the purchase model expects in the next 52 weeks."),
    )
    # may be empty (imports keep customers without one), so no `format: email` in the schema
    email = serializers.CharField(read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "external_id",
            "name",
            "email",
            "phone",
            "birth_date",
            "language",
            "time_zone",
            "marketing_consent",
            "consent_at",
            "consent_source",
            "do_not_contact",
            "lifecycle_stage",
            "p_alive",
            "expected_purchases_52w",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CustomerRefOutput(serializers.ModelSerializer):
    email = serializers.CharField(read_only=True)  # may be empty, as above

    class Meta:
        model = Customer
        fields = ["id", "external_id", "name", "email"]
        read_only_fields = fields


class SaleLineOutput(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=22, decimal_places=2, read_only=True)

    class Meta:
        model = SaleLine
        fields = ["id", "sku", "name", "category", "quantity", "unit_price", "amount"]
        read_only_fields = fields


class DeliveryOutput(serializers.ModelSerializer):
    is_late = serializers.SerializerMethodField()

    class Meta:
        model = Delivery
        fields = [
            "id",
            "carrier",
            "tracking_number",
            "promised_date",
            "estimated_date",
            "delivered_at",
            "status",
            "delay_reason",
            "status_changed_at",
            "is_late",
        ]
        read_only_fields = fields

    def get_is_late(self, delivery: Delivery) -> bool:
        return delivery.is_late_on(timezone.localdate())


class DeliveryDetailOutput(DeliveryOutput):
    """A delivery on its own: says which order and customer it belongs to."""

    sale = serializers.CharField(source="sale.external_id", read_only=True)
    sale_id = serializers.IntegerField(read_only=True)
    customer = CustomerRefOutput(source="sale.customer", read_only=True)

    class Meta(DeliveryOutput.Meta):
        fields = ["sale", "sale_id", "customer", *DeliveryOutput.Meta.fields]
        read_only_fields = fields


class SaleOutput(serializers.ModelSerializer):
    customer = CustomerRefOutput(read_only=True)
    lines = SaleLineOutput(many=True, read_only=True)
    delivery = DeliveryOutput(read_only=True, allow_null=True)

    class Meta:
        model = Sale
        fields = [
            "id",
            "external_id",
            "customer",
            "ordered_at",
            "channel",
            "currency",
            "total",
            "offer_code",
            "created_at",
            "lines",
            "delivery",
        ]
        read_only_fields = fields


class ComplaintOutput(serializers.ModelSerializer):
    customer_external_id = serializers.CharField(source="customer.external_id", read_only=True)
    sale_external_id = serializers.CharField(source="sale.external_id", read_only=True, allow_null=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    # The SLA clocks in business hours (customers/sla.py); null while a clock is stopped or paused.
    sla_state = serializers.ChoiceField(
        choices=["ok", "due_soon", "breached", "paused", "met", "missed"], read_only=True
    )

    class Meta:
        model = Complaint
        fields = [
            "id",
            "customer",
            "customer_external_id",
            "sale",
            "sale_external_id",
            "reason",
            "severity",
            "status",
            "source",
            "description",
            "assignee",
            "opened_at",
            "first_response_at",
            "resolved_at",
            "sla_due_at",
            "compensation_kind",
            "compensation_amount",
            "resolution_note",
            "first_response_due_at",
            "next_response_due_at",
            "resolution_due_at",
            "sla_state",
        ]
        read_only_fields = fields


# --- Input ---------------------------------------------------------------------------------


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> str:
    if value and value not in _time_zones():
        raise serializers.ValidationError(_("Unknown time zone: use an IANA name such as Europe/Madrid."))
    return value


def validate_birth_date(value):
    problem = value and dates.birth_date_problem(value)
    if problem:
        raise serializers.ValidationError(problem)
    return value


class CustomerInput(serializers.ModelSerializer):
    """Create a customer, or update the one with this external id (the upsert integrators need).

    Empty strings and nulls leave a stored value as it is, as in the CSV import.
    """

    consent_source = serializers.CharField(
        max_length=100,
        required=False,
        default="api",
        help_text=_("How marketing consent was given or withdrawn, when it changes."),
    )

    class Meta:
        model = Customer
        fields = [
            "external_id",
            "name",
            "email",
            "phone",
            "birth_date",
            "language",
            "time_zone",
            "marketing_consent",
            "do_not_contact",
            "consent_source",
        ]
        extra_kwargs = {
            # The upsert finds an existing external id; uniqueness is the database's job.
            "external_id": {"validators": []},
            "name": {"required": False, "allow_blank": True},
            "time_zone": {"validators": [validate_time_zone]},
            "birth_date": {"validators": [validate_birth_date]},
        }


class CustomerUpdateInput(CustomerInput):
    """PUT and PATCH: the external id is the customer's identity and does not change."""

    class Meta(CustomerInput.Meta):
        fields = [f for f in CustomerInput.Meta.fields if f != "external_id"]
        extra_kwargs = {**CustomerInput.Meta.extra_kwargs, "name": {"required": True, "allow_blank": False}}


class SaleCustomerInput(CustomerInput):
    class Meta(CustomerInput.Meta):
        fields = ["external_id", "name", "email", "phone", "birth_date", "language", "time_zone"]


class SaleLineInput(serializers.Serializer):
    sku = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=300)
    category = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal(0))


class DeliveryInput(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = [
            "carrier",
            "tracking_number",
            "promised_date",
            "estimated_date",
            "delivered_at",
            "status",
            "delay_reason",
        ]


class SaleInput(serializers.Serializer):
    external_id = serializers.CharField(max_length=100, help_text=_("Your order id."))
    ordered_at = serializers.DateTimeField()
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.ONLINE)
    currency = serializers.RegexField(
        r"^[A-Za-z]{3}$",
        max_length=3,
        default="EUR",
        error_messages={"invalid": _("Use a 3-letter ISO 4217 code.")},
    )
    customer = SaleCustomerInput()
    lines = SaleLineInput(many=True, allow_empty=False, max_length=MAX_LINES)
    delivery = DeliveryInput(required=False, allow_null=True)
    offer_code = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text=_("A campaign's offer code the customer used: the sale counts for it."),
    )

    def validate_ordered_at(self, value):
        problem = dates.order_time_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value

    def validate(self, attrs):
        problems = dates.delivery_problems(attrs.get("delivery") or {}, ordered_at=attrs["ordered_at"])
        if problems:
            raise serializers.ValidationError(
                {"delivery": {name: [problem] for name, problem in problems.items()}}
            )
        if sum(line["quantity"] * line["unit_price"] for line in attrs["lines"]) > MAX_TOTAL:
            raise serializers.ValidationError({"lines": [_("The order total is too large.")]})
        return attrs


class BulkCustomerInput(SaleCustomerInput):
    """A bulk order's customer: what the CSV import's columns carry (no time zone)."""

    class Meta(SaleCustomerInput.Meta):
        fields = [f for f in SaleCustomerInput.Meta.fields if f != "time_zone"]


class BulkDeliveryInput(DeliveryInput):
    """A bulk order's delivery: what the CSV import's columns carry (no delay reason)."""

    class Meta(DeliveryInput.Meta):
        fields = [f for f in DeliveryInput.Meta.fields if f != "delay_reason"]


class BulkSaleInput(SaleInput):
    """One order of a bulk POST: the single POST's fields, less the two the CSV import lacks."""

    customer = BulkCustomerInput()
    delivery = BulkDeliveryInput(required=False, allow_null=True)


class SalesBulkInput(serializers.Serializer):
    orders = BulkSaleInput(many=True, allow_empty=False, max_length=MAX_BULK_ORDERS)

    def validate_orders(self, orders):
        seen: dict[str, int] = {}
        errors = {}
        for position, order in enumerate(orders):
            first = seen.setdefault(order["external_id"], position)
            if first != position:
                errors[str(position)] = {
                    "external_id": [
                        _("This order id is already order %(position)d of this request.")
                        % {"position": first}
                    ]
                }
        if errors:
            raise serializers.ValidationError(errors)
        return orders


class SalesBulkOutput(serializers.Serializer):
    """What a bulk POST did, counted as the CSV import counts."""

    orders = serializers.IntegerField()
    customers_created = serializers.IntegerField()
    customers_updated = serializers.IntegerField()
    customers_unchanged = serializers.IntegerField()
    sales_created = serializers.IntegerField()
    sales_updated = serializers.IntegerField()
    sales_unchanged = serializers.IntegerField()
    lines_written = serializers.IntegerField()
    deliveries_created = serializers.IntegerField()
    deliveries_updated = serializers.IntegerField()


class DeliveryUpdateInput(DeliveryInput):
    """Carrier news. A delivered time marks it delivered; status delivered without one uses now."""


def _staff():
    return (
        get_user_model()
        .objects.filter(Q(groups__name__in=[SUPPORT, MANAGER]) | Q(is_superuser=True), is_active=True)
        .distinct()
    )


class ComplaintCreateInput(serializers.Serializer):
    """Name the customer by id or external id, or just the sale: its customer is then assumed."""

    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all(), required=False)
    customer_external_id = serializers.SlugRelatedField(
        slug_field="external_id", queryset=Customer.objects.all(), required=False
    )
    sale = serializers.PrimaryKeyRelatedField(queryset=Sale.objects.all(), required=False, allow_null=True)
    sale_external_id = serializers.SlugRelatedField(
        slug_field="external_id", queryset=Sale.objects.all(), required=False, allow_null=True
    )
    reason = serializers.ChoiceField(choices=Reason.choices)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.NORMAL)
    description = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        sale = attrs.pop("sale_external_id", None) or attrs.pop("sale", None)
        customer = attrs.pop("customer_external_id", None) or attrs.pop("customer", None)
        customer = customer or (sale.customer if sale else None)
        if customer is None:
            raise serializers.ValidationError(
                {"customer": [_("Give the customer (id or external id) or the sale.")]}
            )
        if sale and sale.customer_id != customer.pk:
            raise serializers.ValidationError({"sale": [_("This sale belongs to another customer.")]})
        return {**attrs, "customer": customer, "sale": sale}


class ComplaintUpdateInput(serializers.Serializer):
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    assignee = serializers.SlugRelatedField(
        slug_field="username",
        queryset=_staff(),
        required=False,
        allow_null=True,
        help_text=_("Username of a Support or Manager user; null unassigns."),
    )
    status = serializers.ChoiceField(choices=ComplaintStatus.choices, required=False)
    resolution_note = serializers.CharField(
        max_length=MAX_TEXT, required=False, allow_blank=True, help_text=_("With status resolved.")
    )
    note = serializers.CharField(
        max_length=MAX_TEXT,
        required=False,
        allow_blank=True,
        help_text=_("Why, with another status change (e.g. reopening)."),
    )
    compensation_kind = serializers.ChoiceField(choices=CompensationKind.choices, required=False)
    compensation_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal(0), required=False, allow_null=True
    )

    def validate(self, attrs):
        status = attrs.get("status")
        if "resolution_note" in attrs and status != ComplaintStatus.RESOLVED:
            raise serializers.ValidationError({"resolution_note": [_("Send it with status resolved.")]})
        if "note" in attrs and not status:
            raise serializers.ValidationError({"note": [_("Send it with a status change.")]})
        complaint = self.instance
        if "compensation_amount" in attrs and not (
            attrs.get("compensation_kind") or complaint.compensation_kind
        ):
            raise serializers.ValidationError(
                {"compensation_kind": [_("Say which kind of compensation this is.")]}
            )
        return attrs


class ComplaintResolveInput(serializers.Serializer):
    resolution_note = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True, default="")

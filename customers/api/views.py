"""REST endpoints: parse with an …Input serializer, call the services, answer with an …Output one.

Throttling is DRF's default (settings.REST_FRAMEWORK: UserRateThrottle and AnonRateThrottle, rates
from API_THROTTLE_USER / API_THROTTLE_ANON); a client over its rate gets 429 with Retry-After.
"""

from collections.abc import Mapping

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import fields, mixins, relations, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.serializers import ListSerializer, Serializer

from customers import services
from customers.api import serializers as s
from customers.api.bulk import bulk_record
from customers.api.filters import ComplaintFilter, CustomerFilter, DeliveryFilter, SaleFilter
from customers.api.permissions import ChangeOnPost, ModelPermissions
from customers.choices import ComplaintSource
from customers.models import Complaint, Customer, Delivery, Sale
from customers.search import CustomerSearchFilter
from postsale.api_filters import StrictDjangoFilterBackend

ORDER_ID = OpenApiParameter(
    "external_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="The order id the sale was sent with."
)


def _valid(serializer_class, request, **kwargs) -> dict:
    serializer = serializer_class(data=request.data, context={"request": request}, **kwargs)
    wrong = _shape_errors(serializer, request.data)
    if wrong:
        # Unknown fields and wrong JSON types are refused, not dropped or coerced: a junk body on
        # resolve/ resolved the case. The schema says the same (additionalProperties: false).
        raise ValidationError(wrong)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _json_types(field) -> tuple[type, ...] | None:
    """The JSON types the schema gives a field (None: left to the field, e.g. enums)."""
    if isinstance(field, fields.BooleanField):
        return (bool,)
    if isinstance(field, (fields.IntegerField, relations.PrimaryKeyRelatedField)):
        return (int,)
    if isinstance(field, fields.FloatField):
        return (int, float)
    if isinstance(
        field,
        (
            fields.CharField,
            fields.DecimalField,
            fields.DateField,
            fields.DateTimeField,
            relations.SlugRelatedField,
        ),
    ):
        return (str,)  # decimals travel as strings, as the answers give them
    return None


WRONG_TYPE = {
    bool: _("Must be true or false."),
    int: _("Must be a whole number."),
    str: _("Must be a string."),
}


def _shape_errors(serializer, data) -> dict:
    """{name: [message]} for keys the serializer (or a nested one) does not take, and for values
    of another JSON type than the schema's."""
    if not isinstance(data, Mapping):
        return {}  # not an object: the serializer's own message says so
    errors = {}
    for name, value in data.items():
        field = serializer.fields.get(name)
        if field is None or field.read_only:
            errors[name] = [_("Unknown field.")]
        elif value is None:
            continue  # the field says whether null is allowed
        elif isinstance(field, Serializer):
            nested = _shape_errors(field, value)
            if nested:
                errors[name] = nested
        elif isinstance(field, ListSerializer) and isinstance(value, list):
            items = {str(i): _shape_errors(field.child, item) for i, item in enumerate(value)}
            if any(items.values()):  # keyed by position, as DRF gives a list's errors
                errors[name] = {i: item for i, item in items.items() if item}
        elif (types := _json_types(field)) and (
            not isinstance(value, types) or (isinstance(value, bool) and bool not in types)
        ):
            errors[name] = [WRONG_TYPE.get(types[0], WRONG_TYPE[str])]
    return errors


class ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [ModelPermissions]

    def answer(self, instance, *, created: bool = False, serializer_class=None) -> Response:
        serializer_class = serializer_class or self.get_serializer_class()
        data = serializer_class(instance, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(tags=["customers"])
class CustomerViewSet(ReadViewSet):
    """Customers. POST creates, or updates the customer with that external id (200)."""

    queryset = Customer.objects.select_related("prediction").order_by("name", "pk")
    serializer_class = s.CustomerOutput
    filterset_class = CustomerFilter
    # ?search= is the staff pages' search (customers/search.py): "diaz" finds "Díaz".
    filter_backends = [StrictDjangoFilterBackend, CustomerSearchFilter, OrderingFilter]
    ordering_fields = ["name", "created_at", "id"]

    @extend_schema(request=s.CustomerInput, responses={201: s.CustomerOutput, 200: s.CustomerOutput})
    def create(self, request):
        customer, created = _customer_save(request, _valid(s.CustomerInput, request))
        return self.answer(customer, created=created)

    @extend_schema(request=s.CustomerUpdateInput, responses=s.CustomerOutput)
    def update(self, request, pk=None, partial=False):
        customer = self.get_object()
        data = _valid(s.CustomerUpdateInput, request, partial=partial)
        customer, _created = _customer_save(request, data, customer=customer)
        return self.answer(customer)

    @extend_schema(request=s.CustomerUpdateInput, responses=s.CustomerOutput)
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)


def _customer_save(request, data: dict, customer: Customer | None = None):
    """The fields through the upsert; consent and do-not-contact through their own services,
    only when they change, so the timeline records a real change and when it happened."""
    consent = data.pop("marketing_consent", None)
    do_not_contact = data.pop("do_not_contact", None)
    source = data.pop("consent_source", "api")
    with transaction.atomic():
        if customer is None:
            customer, created = services.customer_upsert(**data)
        else:
            customer, created = services.customer_update(customer=customer, **data), False
        if consent is not None and consent != customer.marketing_consent:
            services.consent_change(
                customer=customer, marketing_consent=consent, source=source, author=request.user
            )
        if do_not_contact is not None and do_not_contact != customer.do_not_contact:
            services.do_not_contact_set(customer=customer, value=do_not_contact, author=request.user)
    return customer, created


@extend_schema(tags=["sales"])
@extend_schema_view(retrieve=extend_schema(parameters=[ORDER_ID]))
class SaleViewSet(ReadViewSet):
    """Sales by their order id. POST records a sale, or updates the one with that external id."""

    serializer_class = s.SaleOutput
    filterset_class = SaleFilter
    ordering_fields = ["ordered_at", "id"]
    lookup_field = "external_id"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        if self.action == "delivery":  # so the model permissions asked for are the delivery's
            return Delivery.objects.select_related("sale__customer")
        return (
            Sale.objects.select_related("customer", "delivery")
            .prefetch_related("lines")
            .order_by("-ordered_at", "-pk")
        )

    @extend_schema(request=s.SaleInput, responses={201: s.SaleOutput, 200: s.SaleOutput})
    def create(self, request):
        result = _sale_record(_valid(s.SaleInput, request))
        return self.answer(self.get_queryset().get(pk=result.sale.pk), created=result.created)

    @extend_schema(
        request=s.SalesBulkInput,
        responses={201: s.SalesBulkOutput},
        description=(
            "Up to 1,000 orders in one request, written as the CSV import writes them: all or "
            "none, only what differs, new sales announced to the follow-up engine. An order "
            "takes the fields of POST /api/v1/sales/ except customer.time_zone and "
            "delivery.delay_reason (the import has no column for them)."
        ),
    )
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request):
        data = _valid(s.SalesBulkInput, request)
        report, errors = bulk_record(data["orders"])
        if errors:
            raise ValidationError(errors)
        counts = {
            name: value for name, value in report.counts().items() if name in s.SalesBulkOutput().fields
        }
        return Response(s.SalesBulkOutput(counts).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.DeliveryUpdateInput,
        parameters=[ORDER_ID],
        responses={200: s.DeliveryDetailOutput, 201: s.DeliveryDetailOutput},
    )
    @action(detail=True, methods=["patch"], url_path="delivery")
    def delivery(self, request, external_id=None):
        """Carrier news for the order's delivery; creates it (201) if the sale has none yet."""
        sale = get_object_or_404(Sale.objects.select_related("customer"), external_id=external_id)
        data = _valid(s.DeliveryUpdateInput, request, partial=True)
        delivery = Delivery.objects.select_related("sale__customer").filter(sale=sale).first()
        if delivery is None:
            delivery = services.delivery_add(sale=sale, author=request.user, **data)
            return self.answer(delivery, created=True, serializer_class=s.DeliveryDetailOutput)
        services.delivery_update(delivery=delivery, author=request.user, **data)
        return self.answer(delivery, serializer_class=s.DeliveryDetailOutput)


def _sale_record(data: dict) -> services.SaleResult:
    # One transaction: a sale the service rejects leaves no customer behind, and the customer's
    # row lock, held to the end, queues an integrator's retry behind its first attempt, which
    # would otherwise race it to insert the same new order id.
    with transaction.atomic():
        customer, _created = services.customer_upsert(**data.pop("customer"))
        lines = [services.LineData(**line) for line in data.pop("lines")]
        return services.sale_record(customer=customer, lines=lines, **data)


@extend_schema(tags=["deliveries"])
class DeliveryViewSet(ReadViewSet):
    """Deliveries; filter late=true for the open ones late today."""

    queryset = Delivery.objects.select_related("sale__customer").order_by("-pk")
    serializer_class = s.DeliveryDetailOutput
    filterset_class = DeliveryFilter
    ordering_fields = ["promised_date", "estimated_date", "status_changed_at", "id"]

    @extend_schema(request=s.DeliveryUpdateInput, responses=s.DeliveryDetailOutput)
    def partial_update(self, request, pk=None):
        delivery = self.get_object()
        data = _valid(s.DeliveryUpdateInput, request, partial=True)
        services.delivery_update(delivery=delivery, author=request.user, **data)
        return self.answer(delivery)


@extend_schema(tags=["complaints"])
class ComplaintViewSet(ReadViewSet):
    """Complaints (cases). PATCH re-rates, assigns, compensates and moves the status."""

    queryset = Complaint.objects.select_related("customer", "sale", "assignee").order_by("-opened_at", "-pk")
    serializer_class = s.ComplaintOutput
    filterset_class = ComplaintFilter
    ordering_fields = ["opened_at", "sla_due_at", "id"]

    @extend_schema(request=s.ComplaintCreateInput, responses={201: s.ComplaintOutput})
    def create(self, request):
        data = _valid(s.ComplaintCreateInput, request)
        complaint = services.complaint_open(source=ComplaintSource.API, author=request.user, **data)
        return self.answer(self.get_queryset().get(pk=complaint.pk), created=True)

    @extend_schema(request=s.ComplaintUpdateInput, responses=s.ComplaintOutput)
    def partial_update(self, request, pk=None):
        complaint = self.get_object()
        data = _valid(s.ComplaintUpdateInput, request, instance=complaint, partial=True)
        _complaint_change(complaint, data, author=request.user)
        return self.answer(self.get_queryset().get(pk=complaint.pk))

    @extend_schema(request=s.ComplaintResolveInput, responses=s.ComplaintOutput)
    @action(detail=True, methods=["post"], permission_classes=[ChangeOnPost])
    def resolve(self, request, pk=None):
        complaint = self.get_object()
        data = _valid(s.ComplaintResolveInput, request)
        services.complaint_resolve(complaint=complaint, author=request.user, **data)
        return self.answer(self.get_queryset().get(pk=complaint.pk))


def _complaint_change(complaint: Complaint, data: dict, *, author) -> None:
    """All of a PATCH or none of it; the status moves last, so a case can be re-rated,
    compensated and resolved in one request."""
    with transaction.atomic():
        if "severity" in data:
            services.complaint_severity_set(complaint=complaint, severity=data["severity"], author=author)
        if "assignee" in data and data["assignee"] != complaint.assignee:
            services.complaint_assign(complaint=complaint, assignee=data["assignee"], author=author)
        if "compensation_kind" in data or "compensation_amount" in data:
            services.complaint_compensate(
                complaint=complaint,
                author=author,
                kind=data.get("compensation_kind", complaint.compensation_kind),
                amount=data.get("compensation_amount", complaint.compensation_amount),
            )
        if "status" in data:
            note = data.get("resolution_note", data.get("note", ""))
            services.complaint_status_set(
                complaint=complaint, status=data["status"], note=note, author=author
            )

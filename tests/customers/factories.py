"""State for tests that are not about the services (the services are tested by calling them).

Each factory writes a row the way the services would leave it: a sale's total is the sum of its
lines, a delivery copies its sale's order time, a complaint has its SLA due time.
"""

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

import factory
from django.db.models import F, Sum
from django.utils import timezone
from factory.django import DjangoModelFactory

from customers import events
from customers.choices import (
    Channel,
    ComplaintSource,
    ComplaintStatus,
    DeliveryStatus,
    Language,
    Reason,
    Severity,
)
from customers.models import Complaint, Customer, Delivery, Sale, SaleLine
from customers.search import digits, fold
from customers.services import SLA_HOURS, complaint_clocks


def es_faker(provider: str, **kwargs):
    return factory.Faker(provider, locale="es_ES", **kwargs)


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer

    external_id = factory.Sequence(lambda n: f"CUST-{n:06d}")
    name = es_faker("name")
    search_name = factory.LazyAttribute(lambda o: fold(o.name))
    email = factory.Sequence(lambda n: f"cliente{n}@example.es")
    phone = es_faker("phone_number")
    search_phone = factory.LazyAttribute(lambda o: digits(o.phone))
    birth_date = es_faker("date_of_birth", minimum_age=18, maximum_age=80)
    birthday_key = factory.LazyAttribute(lambda o: Customer.birthday_key_for(o.birth_date))
    language = Language.ES


class SaleFactory(DjangoModelFactory):
    """A sale with one line unless told otherwise: SaleFactory(lines=3) or SaleFactory(lines=0)."""

    class Meta:
        model = Sale
        skip_postgeneration_save = True

    external_id = factory.Sequence(lambda n: f"ORD-{n:06d}")
    customer = factory.SubFactory(CustomerFactory)
    ordered_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    channel = Channel.ONLINE
    currency = "EUR"
    total = Decimal(0)

    @factory.post_generation
    def lines(sale, create, extracted, **kwargs):
        if create:
            for _ in range(1 if extracted is None else extracted):
                SaleLineFactory(sale=sale, **kwargs)


class SaleLineFactory(DjangoModelFactory):
    """Adding a line keeps its sale's total equal to the sum of the lines."""

    class Meta:
        model = SaleLine
        skip_postgeneration_save = True

    sale = factory.SubFactory(SaleFactory, lines=0)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = es_faker("catch_phrase")
    category = factory.Iterator(["hogar", "electronica", "libros", "deporte"])
    quantity = 1
    unit_price = Decimal("19.90")

    @factory.post_generation
    def sale_total(line, create, extracted, **kwargs):
        if create:
            total = line.sale.lines.aggregate(total=Sum(F("quantity") * F("unit_price")))["total"]
            line.sale.total = total
            line.sale.save(update_fields=["total"])


class DeliveryFactory(DjangoModelFactory):
    class Meta:
        model = Delivery

    class Params:
        delivered = factory.Trait(
            status=DeliveryStatus.DELIVERED,
            delivered_at=factory.LazyAttribute(lambda o: o.ordered_at + dt.timedelta(days=2)),
        )

    sale = factory.SubFactory(SaleFactory)
    ordered_at = factory.SelfAttribute("sale.ordered_at")
    carrier = factory.Iterator(["Correos Express", "SEUR", "MRW", "GLS"])
    tracking_number = factory.Sequence(lambda n: f"TRK{n:09d}")
    promised_date = factory.LazyAttribute(lambda o: timezone.localdate(o.ordered_at) + dt.timedelta(days=3))
    status = DeliveryStatus.IN_TRANSIT


class ComplaintFactory(DjangoModelFactory):
    class Meta:
        model = Complaint

    customer = factory.SubFactory(CustomerFactory)
    sale = None
    reason = Reason.WORSE_THAN_EXPECTED
    severity = Severity.NORMAL
    status = ComplaintStatus.OPEN
    source = ComplaintSource.STAFF
    description = es_faker("sentence")
    opened_at = factory.LazyFunction(timezone.now)
    sla_due_at = factory.LazyAttribute(lambda o: o.opened_at + dt.timedelta(hours=SLA_HOURS[o.severity][1]))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """The due times as complaint_open stores them (business hours of the shop's calendar),
        unless the test gives them."""
        case = model_class(*args, **kwargs)
        if "next_due_at" not in kwargs and case.is_unresolved:
            clocks = complaint_clocks(complaint=case, history=[])
            case.first_response_due_at = clocks.first_response.due_at
            case.resolution_due_at = clocks.resolution.due_at
            upcoming = clocks.next_due()
            case.next_due_at = upcoming.due_at if upcoming else None
            case.next_due_soon_at = upcoming.due_soon_at if upcoming else None
            case.next_due_clock = upcoming.name if upcoming else ""
        case.save(force_insert=True)
        return case


@contextmanager
def events_recorded():
    """Record every domain event published (and committed) inside the block, in order."""
    seen: list[tuple[str, dict]] = []
    handlers = {name: _recorder(seen, name) for name in EVENTS}
    for name, handler in handlers.items():
        events.subscribe(name, handler)
    try:
        yield seen
    finally:
        for name, handler in handlers.items():
            events._subscribers[name].remove(handler)


def _recorder(seen: list, name: str):
    return lambda **payload: seen.append((name, payload))


EVENTS = (events.SALE_RECORDED, events.DELIVERY_CHANGED, events.COMPLAINT_OPENED, events.COMPLAINT_RESOLVED)

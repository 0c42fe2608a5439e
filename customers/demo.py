"""Demo data for `make run`: Spanish customers, 18 months of sales, deliveries and complaints.

Everything goes through the services, as real data would; a fixed seed makes it repeatable.
"""

import datetime as dt
import random
import unicodedata
from decimal import Decimal

from django.utils import timezone

from customers import services
from customers.choices import Channel, DelayReason, DeliveryStatus, Reason, Severity
from customers.lifecycle import lifecycle_refresh
from customers.models import Complaint, Customer

FIRST_NAMES = [
    "Lucía",
    "Hugo",
    "Martina",
    "Mateo",
    "Sofía",
    "Leo",
    "Julia",
    "Daniel",
    "Paula",
    "Alejandro",
    "Valeria",
    "Pablo",
    "Carmen",
    "Álvaro",
    "Elena",
    "Manuel",
    "Noa",
    "Javier",
    "Irene",
    "Adrián",
    "Marta",
    "Diego",
    "Laura",
    "Sergio",
    "Ana",
]
LAST_NAMES = [
    "García",
    "Rodríguez",
    "González",
    "Fernández",
    "López",
    "Martínez",
    "Sánchez",
    "Pérez",
    "Gómez",
    "Martín",
    "Jiménez",
    "Ruiz",
    "Hernández",
    "Díaz",
    "Moreno",
    "Muñoz",
    "Álvarez",
    "Romero",
    "Alonso",
    "Gutiérrez",
    "Navarro",
    "Torres",
]
CATALOGUE = [
    ("CAF-001", "Cafetera espresso", "electrodomesticos", Decimal("129.00")),
    ("CAF-002", "Molinillo de café", "electrodomesticos", Decimal("49.90")),
    ("TEX-010", "Juego de sábanas", "hogar", Decimal("39.95")),
    ("TEX-011", "Edredón nórdico", "hogar", Decimal("89.00")),
    ("AUD-100", "Auriculares inalámbricos", "electronica", Decimal("79.99")),
    ("AUD-101", "Altavoz bluetooth", "electronica", Decimal("59.00")),
    ("LIB-200", "Guía de viajes", "libros", Decimal("19.90")),
    ("DEP-300", "Esterilla de yoga", "deporte", Decimal("24.50")),
]
CARRIERS = ["Correos Express", "SEUR", "MRW", "GLS"]
DEMO_PREFIX = "DEMO-"


def demo_exists() -> bool:
    return Customer.objects.filter(external_id__startswith=DEMO_PREFIX).exists()


def seed_demo(*, customers: int = 300, seed: int = 2026) -> dict[str, int]:
    rng = random.Random(seed)
    now = timezone.now()
    counts = {"customers": 0, "sales": 0, "complaints": 0}
    for number in range(1, customers + 1):
        customer = _demo_customer(rng, number)
        counts["customers"] += 1
        for order in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
            ordered_at = now - dt.timedelta(days=rng.randint(0, 540), hours=rng.randint(0, 23))
            sale = _demo_sale(rng, customer, f"{DEMO_PREFIX}{number:05d}-{order + 1}", ordered_at, now)
            counts["sales"] += 1
            if rng.random() < 0.08:
                severity = rng.choice(Severity.values)
                services.complaint_open(
                    customer=customer,
                    sale=sale,
                    reason=rng.choice(Reason.values),
                    severity=severity,
                    description="Cliente molesto; revisar el pedido.",
                    # The support queues then show cases breached, due soon and fresh, as a
                    # real shop's do, whatever the hour `make run` starts.
                    opened_at=_demo_opened_at(rng.choice(["breached", "due_soon", "fresh"]), severity, now),
                )
                counts["complaints"] += 1
    lifecycle_refresh(
        list(Customer.objects.filter(external_id__startswith=DEMO_PREFIX).values_list("pk", flat=True))
    )
    for name, extra in EXTRAS:  # what the apps above add (campaigns), registered at start-up
        counts[name] = extra(rng=rng, prefix=DEMO_PREFIX, now=now)
    return counts


# (count name, function(rng=, prefix=, now=) -> int): apps that build on customers add their own
# demo rows here from their AppConfig.ready(), so this module imports none of them.
EXTRAS: list = []


def demo_extra_register(name: str, extra) -> None:
    if all(existing != name for existing, _fn in EXTRAS):
        EXTRAS.append((name, extra))


def _demo_opened_at(state: str, severity: str, now: dt.datetime) -> dt.datetime:
    """When to have opened a case of this severity so that it is `state` now: breached (opened 4
    days ago), due soon (its first-response clock past its due-soon point, not yet due: found by
    bisection, since business hours make due time a step function of opening time) or fresh."""
    if state == "fresh":
        return now
    if state == "breached":
        return now - dt.timedelta(days=4)
    setup = services.shop_sla()

    def clock(opened: dt.datetime):
        case = Complaint(opened_at=opened, severity=severity, reason=Reason.OTHER)
        return services.complaint_clocks(complaint=case, setup=setup, history=[]).first_response

    early, late = now - dt.timedelta(days=14), now  # due before now / due after now
    for _step in range(40):
        middle = early + (late - early) / 2
        due = clock(middle).due_at
        early, late = (middle, late) if due is not None and due <= now else (early, middle)
    found = clock(late)
    return late if found.due_soon_at and found.due_soon_at <= now < found.due_at else now


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _demo_customer(rng: random.Random, number: int) -> Customer:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    birth = dt.date(rng.randint(1955, 2004), rng.randint(1, 12), rng.randint(1, 28))
    customer, _created = services.customer_upsert(
        external_id=f"{DEMO_PREFIX}C{number:05d}",
        name=f"{first} {last}",
        email=_ascii(f"{first}.{last}.{number}@example.com".lower().replace(" ", "")),
        phone=f"+34 6{rng.randint(10000000, 99999999)}",
        birth_date=birth,
        language="en" if rng.random() < 0.1 else "es",
    )
    if rng.random() < 0.6:
        services.consent_change(customer=customer, marketing_consent=True, source="demo checkout")
    return customer


def _demo_sale(rng, customer, external_id, ordered_at, now):
    lines = [
        services.LineData(sku=sku, name=name, category=cat, unit_price=price, quantity=rng.randint(1, 2))
        for sku, name, cat, price in rng.sample(CATALOGUE, rng.randint(1, 3))
    ]
    promised = (ordered_at + dt.timedelta(days=rng.randint(2, 5))).date()
    delivery = {
        "carrier": rng.choice(CARRIERS),
        "tracking_number": f"TRK{rng.randint(10**8, 10**9)}",
        "promised_date": promised,
    }
    late_by = rng.choice([0, 0, 0, 0, 1, 3])
    arrival = ordered_at + dt.timedelta(days=(promised - ordered_at.date()).days + late_by)
    if arrival < now:
        delivery.update(status=DeliveryStatus.DELIVERED, delivered_at=arrival)
    elif late_by:
        delivery.update(
            status=DeliveryStatus.DELAYED,
            delay_reason=rng.choice(DelayReason.values),
            estimated_date=promised + dt.timedelta(days=late_by),
        )
    else:
        delivery.update(status=DeliveryStatus.IN_TRANSIT)
    result = services.sale_record(
        external_id=external_id,
        customer=customer,
        ordered_at=ordered_at,
        lines=lines,
        channel=rng.choice(Channel.values),
        delivery=delivery,
    )
    return result.sale

"""A shop's worth of history for the dashboard: screenshots, the browser test and the bench.

Rows go in by bulk insert with their ids set here (not through the services: a million sales
through sale_record would take an hour); each row is as the services would leave it. A fixed seed
makes it repeatable. Customers are named SAMPLE-…, so the rows are easy to find and remove.
"""

import csv
import datetime as dt
import io
import json
import random
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from customers.choices import Channel, CompensationKind, DelayReason, Reason
from customers.demo import CARRIERS, CATALOGUE, FIRST_NAMES, LAST_NAMES
from customers.models import Complaint, Customer, Delivery, Sale, SaleLine
from followups.models import KIND_CATEGORY, Kind, Message, MessageEvent, State
from surveys.models import Answer, Invitation

PREFIX = "SAMPLE-"
BATCH = 5000
COMMENTS = {
    "bad": [
        "Llegó tarde y nadie avisó.",
        "El producto no es lo que esperaba.",
        "La caja llegó rota.",
        "Tardaron mucho en contestar.",
        '=HYPERLINK("x")',
    ],
    "mid": ["Bien, aunque el envío fue lento.", "Correcto, sin más.", "Precio algo alto."],
    "good": [
        "¡Todo perfecto, gracias!",
        "Muy buena atención.",
        "Llegó antes de lo previsto.",
        "Repetiré seguro.",
    ],
}


def _next_id(model) -> int:
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


class _Writer:
    """Collects rows per model and inserts them in batches, in dependency order."""

    ORDER = [Customer, Sale, SaleLine, Delivery, Complaint, Message, MessageEvent, Invitation, Answer]

    def __init__(self):
        self.rows = {model: [] for model in self.ORDER}

    def add(self, row):
        self.rows[type(row)].append(row)
        if len(self.rows[type(row)]) >= BATCH and type(row) is Customer:
            self.flush()

    def flush(self):
        for model in self.ORDER:
            if self.rows[model]:
                if connection.vendor == "postgresql":
                    _copy(model, self.rows[model])
                else:
                    model.objects.bulk_create(self.rows[model], batch_size=BATCH)
                self.rows[model] = []


NULL = "\\N"


def _copy(model, rows) -> None:
    """PostgreSQL's COPY: a million sales in minutes rather than the better part of an hour."""
    fields = [
        f for f in model._meta.concrete_fields if not (f.primary_key and getattr(rows[0], f.attname) is None)
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        values = []
        for f in fields:
            value = f.pre_save(row, add=True)  # fills auto_now columns as save() would
            if value is None:
                value = NULL
            elif f.get_internal_type() == "JSONField":
                value = json.dumps(value)
            elif isinstance(value, bool):
                value = "t" if value else "f"
            elif isinstance(value, (dt.date, Decimal)):
                value = str(value)
            values.append(value)
        writer.writerow(values)
    buffer.seek(0)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) "
            "FROM STDIN WITH (FORMAT csv, NULL '\\N')",
            buffer,
        )


def generate(
    *, customers: int = 2000, sales: int = 6000, seed: int = 2026, now: dt.datetime | None = None
) -> dict[str, int]:
    """Insert `customers` customers and about `sales` sales over the 18 months before now."""
    rng = random.Random(seed)
    now = now or timezone.now()
    ids = {model: _next_id(model) for model in _Writer.ORDER}
    writer = _Writer()
    counts = dict.fromkeys(("customers", "sales", "answers", "complaints", "messages"), 0)

    def new_id(model):
        ids[model] += 1
        return ids[model] - 1

    per_customer = _split(rng, sales, customers)
    with transaction.atomic():
        for number, n_sales in enumerate(per_customer):
            customer = _customer(rng, new_id(Customer), number, now)
            writer.add(customer)
            counts["customers"] += 1
            days = sorted(rng.uniform(0, 540) for _ in range(n_sales))
            for back in reversed(days):
                ordered_at = now - dt.timedelta(days=back)
                _sale(rng, writer, new_id, counts, customer, ordered_at, now)
        writer.flush()
        _reset_sequences()
    return counts


def _reset_sequences() -> None:
    """Rows came with their ids: move each id sequence past them (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), _Writer.ORDER):
            cursor.execute(sql)


def _split(rng, sales: int, customers: int) -> list[int]:
    """Sales per customer: most buy once or twice, a few many times (mean sales / customers)."""
    mean = max(sales / max(customers, 1), 1)
    out = [1 + min(round(rng.expovariate(1 / (mean - 1))) if mean > 1 else 0, 40) for _ in range(customers)]
    return out


def _customer(rng, pk, number, now) -> Customer:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return Customer(
        id=pk,
        external_id=f"{PREFIX}{pk:07d}",
        name=f"{first} {last}",
        email=f"sample{pk}@example.com",
        language="en" if rng.random() < 0.15 else "es",
        lifecycle_stage=rng.choice(["new", "active", "loyal", "at_risk", "lost"]),
        created_at=now - dt.timedelta(days=600),
    )


def _sale(rng, writer, new_id, counts, customer, ordered_at, now):
    sale_id = new_id(Sale)
    channel = rng.choices(Channel.values, weights=[70, 20, 10])[0]
    picked = rng.sample(CATALOGUE, rng.choice([1, 1, 2, 3]))
    total = Decimal(0)
    for sku, name, category, price in picked:
        quantity = rng.choice([1, 1, 2])
        total += price * quantity
        writer.add(
            SaleLine(
                id=new_id(SaleLine),
                sale_id=sale_id,
                sku=sku,
                name=name,
                category=category,
                quantity=quantity,
                unit_price=price,
            )
        )
    writer.add(
        Sale(
            id=sale_id,
            external_id=f"{PREFIX}S{sale_id:08d}",
            customer_id=customer.pk,
            ordered_at=ordered_at,
            channel=channel,
            total=total,
            created_at=ordered_at,
        )
    )
    counts["sales"] += 1
    promised = timezone.localdate(ordered_at) + dt.timedelta(days=rng.randint(2, 5))
    late_by = rng.choices([0, 1, 2, 4, 7], weights=[80, 8, 6, 4, 2])[0]
    arrival = timezone.make_aware(
        dt.datetime.combine(promised + dt.timedelta(days=late_by), dt.time(rng.randint(9, 19)))
    )
    delivered = arrival < now
    reason = rng.choice(DelayReason.values) if late_by and rng.random() < 0.85 else ""
    carrier = rng.choices(CARRIERS, weights=[30, 30, 25, 15])[0]
    if carrier == "GLS" and not late_by and rng.random() < 0.15:  # one carrier is worse
        late_by, reason = 2, DelayReason.CARRIER
    writer.add(
        Delivery(
            id=new_id(Delivery),
            sale_id=sale_id,
            ordered_at=ordered_at,
            carrier=carrier,
            tracking_number=f"TRK{sale_id:09d}",
            promised_date=promised,
            estimated_date=promised + dt.timedelta(days=late_by) if late_by else None,
            delivered_at=arrival if delivered else None,
            status="delivered" if delivered else ("delayed" if late_by else "in_transit"),
            delay_reason=reason if late_by else "",
            status_changed_at=min(arrival, now),
        )
    )
    if late_by and rng.random() < 0.65:  # a delay notice, mostly before the promised day
        sent = timezone.make_aware(
            dt.datetime.combine(promised - dt.timedelta(days=rng.choice([1, 1, 0, -1])), dt.time(10))
        )
        if sent < now:
            _message(rng, writer, new_id, counts, Kind.DELAY_NOTICE, customer, sale_id, sent)
    thanks = ordered_at + dt.timedelta(hours=1)
    if thanks < now:
        _message(rng, writer, new_id, counts, Kind.THANK_YOU, customer, sale_id, thanks)
    asked = arrival + dt.timedelta(days=5)
    if delivered and asked < now and rng.random() < 0.45:
        _survey(rng, writer, new_id, counts, customer, sale_id, asked, late_by, now)


def _message(rng, writer, new_id, counts, kind, customer, sale_id, at, *, state=None):
    pk = new_id(Message)
    roll = rng.random()
    if state is None:
        state = State.SENT if roll < 0.9 else State.SUPPRESSED if roll < 0.95 else State.CANCELLED
    reason = {
        State.SUPPRESSED: rng.choice(["unsubscribed", "hard_bounce", "frequency_cap", "survey_fatigue"]),
        State.CANCELLED: rng.choice(["delivered", "superseded", "expired:not_sent_in_time"]),
    }.get(state, "")
    writer.add(
        Message(
            id=pk,
            kind=kind,
            category=KIND_CATEGORY[kind],
            customer_id=customer.pk,
            sale_id=sale_id,
            dedupe_key=f"{PREFIX}{pk}",
            planned_at=at,
            expires_at=at + dt.timedelta(days=7),
            state=state,
            reason=reason,
            sent_at=at if state == State.SENT else None,
            to_email=customer.email,
            language=customer.language,
            created_at=at,
        )
    )
    counts["messages"] += 1
    if rng.random() < 0.12:
        writer.add(MessageEvent(message_id=pk, event="defer", at=at, detail="quiet_hours"))
    if state == State.SENT:
        if rng.random() < 0.03:
            writer.add(MessageEvent(message_id=pk, event="bounced", at=at))
            return pk, False
        writer.add(MessageEvent(message_id=pk, event="delivered", at=at))
        if rng.random() < 0.55:
            writer.add(MessageEvent(message_id=pk, event="opened", at=at + dt.timedelta(hours=2)))
            if rng.random() < 0.35:
                writer.add(MessageEvent(message_id=pk, event="clicked", at=at + dt.timedelta(hours=2)))
        if rng.random() < 0.004:
            writer.add(MessageEvent(message_id=pk, event="unsubscribed", at=at))
    return pk, state == State.SENT


def _survey(rng, writer, new_id, counts, customer, sale_id, asked, late_by, now):
    kind_nps = rng.random() < 0.7
    message_id, delivered = _message(
        rng, writer, new_id, counts, Kind.SURVEY, customer, sale_id, asked, state=State.SENT
    )
    invitation_id = new_id(Invitation)
    answers = delivered and rng.random() < 0.42
    answered_at = asked + dt.timedelta(hours=rng.randint(1, 72))
    answers = answers and answered_at < now
    flagged = answers and rng.random() < 0.03
    writer.add(
        Invitation(
            id=invitation_id,
            message_id=message_id,
            customer_id=customer.pk,
            sale_id=sale_id,
            survey_type="nps" if kind_nps else "csat",
            created_at=asked,
            expires_at=asked + dt.timedelta(days=30),
            answered_at=answered_at if answers and not flagged else None,
        )
    )
    if not answers:
        return
    mood = rng.random() - 0.12 * min(late_by, 4)  # late parcels make unhappier customers
    if kind_nps:
        score = (
            10
            if mood > 0.62
            else 9
            if mood > 0.45
            else 8
            if mood > 0.33
            else 7
            if mood > 0.25
            else max(0, int(6 + mood * 10))
        )
        unhappy = score <= 6
    else:
        score = 5 if mood > 0.55 else 4 if mood > 0.3 else 3 if mood > 0.18 else 2 if mood > 0.05 else 1
        unhappy = score <= 2
    feeling = "bad" if unhappy else "good" if (score >= 9 or (not kind_nps and score >= 4)) else "mid"
    comment = rng.choice(COMMENTS[feeling]) if rng.random() < 0.35 else ""
    reasons = (
        [Reason.DELIVERY_LATE] if unhappy and late_by else ([rng.choice(Reason.values)] if unhappy else [])
    )
    case_id = resolved = None
    if unhappy and not flagged and rng.random() < 0.8:
        case_id, resolved = _case(rng, writer, new_id, counts, customer, sale_id, answered_at, reasons, now)
    writer.add(
        Answer(
            invitation_id=invitation_id,
            customer_id=customer.pk,
            survey_type="nps" if kind_nps else "csat",
            score=score,
            ces_score=rng.randint(3, 7) if rng.random() < 0.3 else None,
            comment=comment,
            reasons=reasons,
            answered_at=answered_at,
            updated_at=answered_at,
            flagged=flagged,
            complaint_id=case_id,
        )
    )
    counts["answers"] += 1
    if resolved and rng.random() < 0.5:
        _answer_again(rng, writer, new_id, counts, customer, sale_id, resolved, now)


def _answer_again(rng, writer, new_id, counts, customer, sale_id, resolved, now):
    """A detractor asked again after their case: most come round once it was put right."""
    asked = resolved + dt.timedelta(days=rng.randint(2, 20))
    if asked + dt.timedelta(hours=6) >= now:
        return
    message_id, _sent = _message(
        rng, writer, new_id, counts, Kind.SURVEY, customer, sale_id, asked, state=State.SENT
    )
    invitation_id = new_id(Invitation)
    answered_at = asked + dt.timedelta(hours=6)
    writer.add(
        Invitation(
            id=invitation_id,
            message_id=message_id,
            customer_id=customer.pk,
            sale_id=sale_id,
            survey_type="nps",
            created_at=asked,
            expires_at=asked + dt.timedelta(days=30),
            answered_at=answered_at,
        )
    )
    score = rng.choice([7, 8, 8, 9, 10]) if rng.random() < 0.6 else rng.randint(0, 6)
    writer.add(
        Answer(
            invitation_id=invitation_id,
            customer_id=customer.pk,
            survey_type="nps",
            score=score,
            answered_at=answered_at,
            updated_at=answered_at,
        )
    )
    counts["answers"] += 1


def _case(rng, writer, new_id, counts, customer, sale_id, opened, reasons, now):
    pk = new_id(Complaint)
    hours = rng.choice([4, 24, 24, 72])
    first = opened + dt.timedelta(hours=rng.uniform(0.3, 30))
    resolved = opened + dt.timedelta(hours=rng.uniform(2, 120)) if rng.random() < 0.85 else None
    first = first if first < now else None
    resolved = resolved if resolved and resolved < now and first else None
    compensation = rng.choice(CompensationKind.values) if resolved and rng.random() < 0.35 else ""
    writer.add(
        Complaint(
            id=pk,
            customer_id=customer.pk,
            sale_id=sale_id,
            reason=reasons[0] if reasons else Reason.OTHER,
            source="survey",
            status="resolved" if resolved else "open",
            opened_at=opened,
            first_response_at=first,
            resolved_at=resolved,
            sla_due_at=opened + dt.timedelta(hours=hours),
            compensation_kind=compensation,
            compensation_amount=Decimal(rng.choice([5, 10, 15, 20])) if compensation else None,
        )
    )
    counts["complaints"] += 1
    return pk, resolved


def remove() -> None:
    """Take the sample rows out again (the rows of other customers stay)."""
    customers = Customer.objects.filter(external_id__startswith=PREFIX)
    Complaint.objects.filter(customer__in=customers).delete()
    Message.objects.filter(customer__in=customers).delete()
    Sale.objects.filter(customer__in=customers).delete()
    customers.delete()

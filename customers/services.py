"""Writes to customers, sales, deliveries and complaints.

Every function here is one transaction, writes what happened on the customer's timeline and
publishes the domain event the follow-up engine plans from. Views, the API, the CSV import and the
demo data all call these; nothing else writes these models.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import events, sla, timeline
from customers.business_calendar import DEFAULT_TARGETS, ShopSla, shop_sla
from customers.choices import (
    UNRESOLVED_STATUSES,
    ComplaintSource,
    ComplaintStatus,
    DeliveryStatus,
    Severity,
    TimelineKind,
)
from customers.models import (
    Complaint,
    ComplaintStatusChange,
    Customer,
    Delivery,
    Sale,
    SaleLine,
    SlaLedgerEntry,
    TimelineEntry,
)
from customers.search import digits, fold
from postsale.lib import dates

# Business hours to first response and to resolution per severity, when the managers set none
# (customers/business_calendar.py holds all three targets).
SLA_HOURS = {
    severity: (first, resolution) for severity, (first, _next, resolution) in DEFAULT_TARGETS.items()
}
CUSTOMER_FIELDS = ("name", "email", "phone", "birth_date", "language", "time_zone")
DELIVERY_FIELDS = (
    "carrier",
    "tracking_number",
    "promised_date",
    "estimated_date",
    "delivered_at",
    "status",
    "delay_reason",
)
# News of a parcel delivered, without a time, is taken as "delivered now" while it is live: no
# later than this after the parcel was due. Later than that (an old order marked delivered in a
# clean-up) the time stays unknown, and the follow-ups count from the order (history, not news).
LIVE_DELIVERY_NEWS = dt.timedelta(days=30)


@dataclass
class LineData:
    name: str
    quantity: int
    unit_price: Decimal
    sku: str = ""
    category: str = ""

    def key(self):
        return (self.sku, self.name, self.category, int(self.quantity), Decimal(self.unit_price))


@dataclass
class SaleResult:
    sale: Sale
    created: bool
    changed: bool
    warnings: list[str] = field(default_factory=list)


def timeline_add(
    *,
    customer: Customer,
    kind: str,
    event: str,
    data: dict | None = None,
    at: dt.datetime | None = None,
    **extra,
) -> TimelineEntry:
    """Write what happened: `event` (registered in customers/timeline.py) and its facts in
    `data`; the sentence is made in the reader's language when the entry is shown."""
    if not timeline.is_known(event):
        raise ValueError(f"unknown timeline event {event!r}: register its sentence")
    return TimelineEntry.objects.create(
        customer=customer, kind=kind, event=event, data=data or {}, at=at or timezone.now(), **extra
    )


def _case_entry(*, complaint: Complaint, event: str, data: dict | None = None, **extra) -> TimelineEntry:
    """A case's own timeline entry: on its customer's timeline, of kind COMPLAINT."""
    return timeline_add(
        customer=complaint.customer,
        kind=TimelineKind.COMPLAINT,
        complaint=complaint,
        event=event,
        data=data,
        **extra,
    )


def timeline_add_many(entries: list[TimelineEntry]) -> None:
    """Many entries in one INSERT (a dispatch batch's mails); each with a registered event."""
    unknown = {entry.event for entry in entries if not timeline.is_known(entry.event)}
    if unknown:
        raise ValueError(f"unknown timeline events {sorted(unknown)}: register their sentences")
    TimelineEntry.objects.bulk_create(entries)


def customer_upsert(*, external_id: str, **values) -> tuple[Customer, bool]:
    """Create the customer or update the fields given (None and "" leave a field as it is)."""
    values = {k: v for k, v in values.items() if k in CUSTOMER_FIELDS and v not in (None, "")}
    if "birth_date" in values:
        values["birthday_key"] = Customer.birthday_key_for(values["birth_date"])
    if "name" in values:
        values["search_name"] = fold(values["name"])[:200]
    if "phone" in values:
        values["search_phone"] = digits(values["phone"])[:40]
    with transaction.atomic():
        customer = Customer.objects.select_for_update().filter(external_id=external_id).first()
        if customer is None:
            if not values.get("name"):
                values["name"] = values.get("email") or external_id
                values["search_name"] = fold(values["name"])[:200]
            try:
                with transaction.atomic():
                    return Customer.objects.create(external_id=external_id, **values), True
            except IntegrityError:  # created meanwhile by a concurrent request
                customer = Customer.objects.select_for_update().get(external_id=external_id)
        changed = [k for k, v in values.items() if getattr(customer, k) != v]
        if changed:
            for key in changed:
                setattr(customer, key, values[key])
            customer.save(update_fields=[*changed, "updated_at"])
        return customer, False


def customer_fields_clear(*, customer: Customer, fields: list[str]) -> Customer:
    """Staff empty some of a customer's details (the upsert, as the shop's rule, never does)."""
    fields = [name for name in fields if name in CUSTOMER_FIELDS and name != "name"]
    with transaction.atomic():
        for name in fields:
            setattr(customer, name, None if name == "birth_date" else "")
        if "birth_date" in fields:
            customer.birthday_key = None
            fields.append("birthday_key")
        if fields:
            customer.save(update_fields=[*fields, "updated_at"])
    return customer


def customer_update(*, customer: Customer, **values) -> Customer:
    """Staff or API edits: same rules as the upsert, on a customer already known."""
    customer, _created = customer_upsert(external_id=customer.external_id, **values)
    return customer


def consent_change(*, customer: Customer, marketing_consent: bool, source: str, author=None) -> Customer:
    """Record marketing consent given or withdrawn, with when and how."""
    with transaction.atomic():
        customer.marketing_consent = marketing_consent
        customer.consent_at = timezone.now()
        customer.consent_source = source[:100]
        customer.save(update_fields=["marketing_consent", "consent_at", "consent_source", "updated_at"])
        timeline_add(
            customer=customer,
            kind=TimelineKind.CONSENT,
            author=author,
            event="consent.given" if marketing_consent else "consent.withdrawn",
            data={"source": source[:100]},
        )
    return customer


def customer_feeling_record(*, customer_id: int, feeling: str, at: dt.datetime) -> bool:
    """How the customer felt in their latest answer to us (a survey, say). An older answer than
    the one stored changes nothing. Publishes FEELING_RECORDED; returns whether it was stored."""
    with transaction.atomic():
        stored = (
            Customer.objects.filter(pk=customer_id)
            .filter(Q(feeling_at__isnull=True) | Q(feeling_at__lte=at))
            .update(feeling=feeling, feeling_at=at)
        )
        if stored:
            events.publish(events.FEELING_RECORDED, customer_ids=[customer_id])
    return bool(stored)


def customers_prediction_apply(*, at_risk_ids, scored_ids, batch: int = 10000) -> int:
    """Carry the purchase model's verdicts onto the customers: at risk, not at risk, or None
    for those it did not score. Both arguments are querysets of customer ids (subqueries), so the
    work is set-based. Only customers whose verdict changes are written; they get their lifecycle
    stage refreshed (PREDICTION_CHANGED, after commit). Returns how many changed."""
    customers, changed = Customer.objects, []
    moves = (
        (True, customers.filter(pk__in=at_risk_ids).exclude(predicted_at_risk=True)),
        (
            False,
            customers.filter(pk__in=scored_ids).exclude(pk__in=at_risk_ids).exclude(predicted_at_risk=False),
        ),
        (None, customers.filter(predicted_at_risk__isnull=False).exclude(pk__in=scored_ids)),
    )
    with transaction.atomic():
        for verdict, moving in moves:
            ids = list(moving.values_list("pk", flat=True))
            for start in range(0, len(ids), batch):
                customers.filter(pk__in=ids[start : start + batch]).update(predicted_at_risk=verdict)
            changed += ids
        if changed:
            events.publish(events.PREDICTION_CHANGED, customer_ids=changed)
    return len(changed)


def do_not_contact_set(*, customer: Customer, value: bool, author=None) -> Customer:
    with transaction.atomic():
        customer.do_not_contact = value
        customer.save(update_fields=["do_not_contact", "updated_at"])
        timeline_add(
            customer=customer,
            kind=TimelineKind.CONSENT,
            author=author,
            event="contact.blocked" if value else "contact.allowed",
        )
    return customer


def _validate_sale(*, ordered_at, lines: list[LineData], delivery: dict | None):
    errors = {}
    if not lines:
        errors["lines"] = _("A sale needs at least one line.")
    for line in lines:
        if line.quantity <= 0:
            errors["lines"] = _("Quantities must be greater than zero.")
        if line.unit_price < 0:
            errors["lines"] = _("Prices cannot be negative.")
    ordered_problem = dates.order_time_problem(ordered_at)
    if ordered_problem:
        errors["ordered_at"] = ordered_problem
    else:
        errors.update(dates.delivery_problems(delivery or {}, ordered_at=ordered_at))
    if errors:
        raise ValidationError(errors)


def sale_total(lines) -> Decimal:
    """What an order costs: the sum of its lines (LineData or SaleLine)."""
    return sum((Decimal(line.quantity) * Decimal(line.unit_price) for line in lines), Decimal(0))


def sale_lines_changed(*, sale: Sale) -> Sale:
    """Lines edited in place (the admin's inline): the sale's total follows them."""
    with transaction.atomic():
        sale.total = sale_total(sale.lines.all())
        sale.save(update_fields=["total"])
    return sale


def sale_record(
    *,
    external_id: str,
    customer: Customer,
    ordered_at: dt.datetime,
    lines: list[LineData],
    channel: str = "online",
    currency: str = "EUR",
    delivery: dict | None = None,
    offer_code: str | None = None,
) -> SaleResult:
    """Create or update a sale by its external id, with its lines and delivery.

    Idempotent: the same payload twice leaves one sale and reports changed=False. Publishes
    SALE_RECORDED for a new sale, SALES_MOVED when an existing sale changed customer or order
    time (both customers' stages count it) and DELIVERY_CHANGED when the delivery moved. An offer code
    (a campaign's) is kept; a resend without one leaves the stored code alone.
    """
    offer_code = (offer_code or "").strip() or None
    _validate_sale(ordered_at=ordered_at, lines=lines, delivery=delivery)
    total = sale_total(lines)
    with transaction.atomic():
        sale = Sale.objects.select_for_update().filter(external_id=external_id).first()
        created = False
        if sale is None:
            sale, created = _sale_insert(
                external_id=external_id,
                customer=customer,
                ordered_at=ordered_at,
                channel=channel,
                currency=currency.upper(),
                total=total,
                offer_code=offer_code,
            )
        moved = not created and sale.ordered_at != ordered_at
        if created:
            SaleLine.objects.bulk_create(SaleLine(sale=sale, **vars(line)) for line in lines)
            timeline_add(
                customer=customer,
                kind=TimelineKind.SALE,
                at=ordered_at,
                sale=sale,
                event="sale.recorded",
                data={"order": external_id, "total": str(total), "currency": sale.currency},
            )
            events.publish(events.SALE_RECORDED, sale_ids=[sale.pk])
            changed = True
        else:
            owner, was_ordered_at = sale.customer_id, sale.ordered_at
            changed = _sale_update(
                sale,
                customer=customer,
                ordered_at=ordered_at,
                lines=lines,
                channel=channel,
                currency=currency.upper(),
                total=total,
                offer_code=offer_code or sale.offer_code,
            )
            if owner != customer.pk or was_ordered_at != ordered_at:
                events.publish(events.SALES_MOVED, customer_ids=sorted({owner, customer.pk}))
        if moved:
            _delivery_follow_order(sale, delivery)
        if delivery is not None:
            changed |= _delivery_upsert(sale, delivery, created=created)
    return SaleResult(sale=sale, created=created, changed=changed)


def _delivery_follow_order(sale: Sale, values: dict | None) -> None:
    """A corrected order time moves the delivery's copy of it, which its database check reads."""
    stored = Delivery.objects.select_for_update().filter(sale=sale).first()
    if stored is None:
        return
    delivered_at = (values or {}).get("delivered_at") or stored.delivered_at
    if delivered_at and delivered_at < sale.ordered_at:
        raise ValidationError({"ordered_at": _("A delivery cannot arrive before the order was placed.")})
    if stored.delivered_at is None or stored.delivered_at >= sale.ordered_at:
        Delivery.objects.filter(pk=stored.pk).update(ordered_at=sale.ordered_at)
    # else the delivery update that follows saves the new delivered and ordered times together


def _sale_insert(**fields) -> tuple[Sale, bool]:
    """Insert a new sale, or get the row a concurrent request created a moment ago.

    The INSERT runs in a savepoint: two simultaneous posts of a new order both try it; the
    loser gets the winner's row, locked, and goes on as an update.
    """
    try:
        with transaction.atomic():
            return Sale.objects.create(**fields), True
    except IntegrityError:
        return Sale.objects.select_for_update().get(external_id=fields["external_id"]), False


def _sale_update(
    sale: Sale, *, customer, ordered_at, lines, channel, currency, total, offer_code=None
) -> bool:
    fields = {
        "customer_id": customer.pk,
        "ordered_at": ordered_at,
        "channel": channel,
        "currency": currency,
        "total": total,
        "offer_code": offer_code,
    }
    changed = [k for k, v in fields.items() if getattr(sale, k) != v]
    for key in changed:
        setattr(sale, key, fields[key])
    if changed:
        sale.save(update_fields=changed)
    old_lines = sorted(
        LineData(
            sku=x.sku, name=x.name, category=x.category, quantity=x.quantity, unit_price=x.unit_price
        ).key()
        for x in sale.lines.all()
    )
    if old_lines != sorted(line.key() for line in lines):
        sale.lines.all().delete()
        SaleLine.objects.bulk_create(SaleLine(sale=sale, **vars(line)) for line in lines)
        changed.append("lines")
    return bool(changed)


def _delivery_upsert(sale: Sale, values: dict, *, created: bool) -> bool:
    delivery = Delivery.objects.select_for_update().filter(sale=sale).first()
    if delivery is None:
        values = {k: v for k, v in values.items() if k in DELIVERY_FIELDS and v is not None}
        if values.get("delivered_at") and "status" not in values:
            values["status"] = DeliveryStatus.DELIVERED
        # A delivery first recorded as delivered without a time keeps it unknown (an imported
        # old order is not "delivered now"); a live update to delivered (delivery_update) is now.
        delivery = Delivery.objects.create(sale=sale, ordered_at=sale.ordered_at, **values)
        events.publish(events.DELIVERY_CHANGED, delivery_ids=[delivery.pk])
        return True
    delivery.ordered_at = sale.ordered_at  # check new times against a corrected order time
    return delivery_update(delivery=delivery, **values) is not None


def delivery_update(*, delivery: Delivery, author=None, **values) -> Delivery | None:
    """Apply carrier news to a delivery. Returns None when nothing changed.

    Marking it delivered without a time uses now while the news is live (LIVE_DELIVERY_NEWS);
    a delivered time sets status delivered.
    """
    values = {k: v for k, v in values.items() if k in DELIVERY_FIELDS and v is not None}
    if values.get("status") == DeliveryStatus.DELIVERED and not values.get("delivered_at"):
        if stamp := delivery.delivered_at or _delivered_now_if_live(delivery):
            values["delivered_at"] = stamp
    if values.get("delivered_at") and "status" not in values:
        values["status"] = DeliveryStatus.DELIVERED
    problems = dates.delivery_problems(values, ordered_at=delivery.ordered_at)
    if problems:
        raise ValidationError(problems)
    changed = [k for k, v in values.items() if getattr(delivery, k) != v]
    if not changed:
        return None
    with transaction.atomic():
        for key in changed:
            setattr(delivery, key, values[key])
        if "status" in changed:
            delivery.status_changed_at = timezone.now()
        delivery.save()
        timeline_add(
            customer=delivery.sale.customer,
            kind=TimelineKind.DELIVERY,
            sale=delivery.sale,
            author=author,
            event="delivery.changed",
            data={
                "order": delivery.sale.external_id,
                "status": delivery.status,
                "changed": {k: _jsonable(values[k]) for k in changed},
            },
        )
        events.publish(events.DELIVERY_CHANGED, delivery_ids=[delivery.pk])
    return delivery


def _delivered_now_if_live(delivery: Delivery) -> dt.datetime | None:
    now = timezone.now()
    due = max(
        day
        for day in (delivery.estimated_date, delivery.promised_date, timezone.localdate(delivery.ordered_at))
        if day
    )
    return now if timezone.localdate(now) - due <= LIVE_DELIVERY_NEWS else None


def _jsonable(value):
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def delivery_add(*, sale: Sale, author=None, **values) -> Delivery:
    """Give a sale recorded without one its delivery: the carrier's first news after the order.

    One transaction; a timeline entry and DELIVERY_CHANGED, as for a delivery sent with the sale.
    """
    problems = dates.delivery_problems(values, ordered_at=sale.ordered_at)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        Sale.objects.select_for_update().filter(pk=sale.pk).first()  # one delivery per sale
        existing = Delivery.objects.filter(sale=sale).first()
        if existing is not None:  # another request added it meanwhile: this is news for it
            return delivery_update(delivery=existing, author=author, **values) or existing
        _delivery_upsert(sale, values, created=True)
        delivery = Delivery.objects.get(sale=sale)
        timeline_add(
            customer=sale.customer,
            kind=TimelineKind.DELIVERY,
            sale=sale,
            author=author,
            event="delivery.changed",
            data={"order": sale.external_id, "status": delivery.status},
        )
    return delivery


# --- Cases and their SLA clocks ---------------------------------------------------------------
# Every service below that moves a fact the clocks read (status, first response, the customer's
# unanswered message, severity, resolution) records the status in the case's history and stores
# the recomputed due times, so the queue orders by one indexed column.

SLA_FIELDS = [
    "first_response_due_at",
    "next_response_due_at",
    "resolution_due_at",
    "next_due_at",
    "next_due_soon_at",
    "next_due_clock",
    "sla_due_at",
]


def _history(complaint: Complaint) -> list[tuple[dt.datetime, str]]:
    return list(
        ComplaintStatusChange.objects.filter(complaint=complaint)
        .order_by("at", "pk")
        .values_list("at", "status")
    )


def complaint_clocks(
    *, complaint: Complaint, setup: ShopSla | None = None, history: list | None = None
) -> sla.Clocks:
    """The case's three clocks as its facts stand (a read: nothing is stored)."""
    setup = setup or shop_sla()
    facts = sla.CaseFacts(
        opened_at=complaint.opened_at,
        history=tuple(history if history is not None else _history(complaint)),
        first_response_at=complaint.first_response_at,
        awaiting_since=complaint.awaiting_reply_since,
        resolved_at=complaint.resolved_at,
        status=complaint.status,
    )
    return sla.clocks_for(
        facts,
        setup.targets_for(complaint.severity, complaint.sla_target_hours),
        setup.calendar,
        due_soon_ratio=setup.due_soon_ratio,
    )


def _apply_clocks(complaint: Complaint, clocks: sla.Clocks) -> None:
    complaint.first_response_due_at = clocks.first_response.due_at
    complaint.next_response_due_at = clocks.next_response.due_at if clocks.next_response else None
    complaint.resolution_due_at = clocks.resolution.due_at
    upcoming = clocks.next_due()
    complaint.next_due_at = upcoming.due_at if upcoming else None
    complaint.next_due_soon_at = upcoming.due_soon_at if upcoming else None
    complaint.next_due_clock = upcoming.name if upcoming else ""
    # sla_due_at (the resolution due time, as the API always gave it) keeps its last value
    # while the clock is paused.
    complaint.sla_due_at = clocks.resolution.due_at or complaint.sla_due_at or complaint.opened_at


def _ledger_close(complaint: Complaint, clock: sla.Clock | None, done_at: dt.datetime) -> None:
    """A clock stopped: its target goes in the case's SLA ledger, met or missed."""
    if clock is None or clock.due_at is None:
        return
    SlaLedgerEntry.objects.update_or_create(
        complaint=complaint,
        clock=clock.name,
        started_at=clock.started_at,
        defaults={
            "target_hours": Decimal(str(clock.target_hours)),
            "due_at": clock.due_at,
            "done_at": done_at,
            "met": done_at <= clock.due_at,
        },
    )


def complaint_sla_refresh(*, complaint: Complaint, setup: ShopSla | None = None) -> sla.Clocks:
    """Recompute and store the case's due times (inside the caller's transaction)."""
    clocks = complaint_clocks(complaint=complaint, setup=setup)
    _apply_clocks(complaint, clocks)
    complaint.save(update_fields=SLA_FIELDS)
    return clocks


def complaints_sla_recompute(*, batch: int = 500) -> int:
    """Every open case's due times again, after the calendar or the targets changed. Batches of
    `batch` cases, each its own transaction; safe to stop and run again."""
    setup, done, last = shop_sla(), 0, 0
    while True:
        with transaction.atomic():
            cases = list(Complaint.objects.unresolved().filter(pk__gt=last).order_by("pk")[:batch])
            if not cases:
                return done
            histories: dict[int, list] = {}
            for cid, at, status in (
                ComplaintStatusChange.objects.filter(complaint__in=cases)
                .order_by("at", "pk")
                .values_list("complaint_id", "at", "status")
            ):
                histories.setdefault(cid, []).append((at, status))
            for case in cases:
                _apply_clocks(
                    case, complaint_clocks(complaint=case, setup=setup, history=histories.get(case.pk, []))
                )
            Complaint.objects.bulk_update(cases, SLA_FIELDS)
        done, last = done + len(cases), cases[-1].pk


def _status_move(complaint: Complaint, status: str, at: dt.datetime) -> None:
    if status != complaint.status:
        complaint.status = status
        ComplaintStatusChange.objects.create(complaint=complaint, status=status, at=at)


def _new_case(*, now: dt.datetime, setup: ShopSla, **fields) -> Complaint:
    complaint = Complaint(opened_at=now, **fields)
    if complaint.source == ComplaintSource.EMAIL:  # the customer wrote: their mail awaits us
        complaint.awaiting_reply_since = now
    _apply_clocks(complaint, complaint_clocks(complaint=complaint, setup=setup, history=[]))
    return complaint


def complaint_open(
    *,
    customer: Customer,
    reason: str,
    sale: Sale | None = None,
    severity: str = Severity.NORMAL,
    description: str = "",
    source: str = ComplaintSource.STAFF,
    author=None,
    sla_hours: int | None = None,
    opened_at: dt.datetime | None = None,
) -> Complaint:
    """Open a case; its clocks count business hours of the shop's calendar from now (or from
    `opened_at`, a case recorded late, as the demo's are), with the severity's targets
    (sla_hours: a resolution target of its own)."""
    now = opened_at or timezone.now()
    complaint = _new_case(
        now=now,
        setup=shop_sla(),
        customer=customer,
        sale=sale,
        reason=reason,
        severity=severity,
        source=source,
        description=description,
        sla_target_hours=sla_hours,
    )
    with transaction.atomic():
        complaint.save(force_insert=True)
        timeline_add(
            customer=customer,
            kind=TimelineKind.COMPLAINT,
            complaint=complaint,
            sale=sale,
            author=author,
            body=description,
            event="case.opened",
            data={"id": complaint.pk, "reason": complaint.reason},
            at=now,
        )
        events.publish(events.COMPLAINT_OPENED, complaint_ids=[complaint.pk])
    return complaint


@dataclass
class CaseData:
    """One case for complaints_open_many."""

    customer_id: int
    reason: str
    sale_id: int | None = None
    severity: str = Severity.NORMAL
    description: str = ""


def complaints_open_many(*, cases: list[CaseData], source: str) -> list[Complaint]:
    """complaint_open for a sweep's batch: the same cases, timeline entries and one
    COMPLAINT_OPENED event, in one transaction and a fixed number of queries (one INSERT for the
    cases, one for their timeline entries) however many cases the batch holds."""
    if not cases:
        return []
    now, setup = timezone.now(), shop_sla()
    complaints = [
        _new_case(
            now=now,
            setup=setup,
            customer_id=case.customer_id,
            sale_id=case.sale_id,
            reason=case.reason,
            severity=case.severity,
            source=source,
            description=case.description,
        )
        for case in cases
    ]
    with transaction.atomic():
        Complaint.objects.bulk_create(complaints)  # pks come back (RETURNING) on both databases
        TimelineEntry.objects.bulk_create(
            [
                TimelineEntry(
                    customer_id=c.customer_id,
                    kind=TimelineKind.COMPLAINT,
                    at=now,
                    complaint=c,
                    sale_id=c.sale_id,
                    body=c.description,
                    event="case.opened",
                    data={"id": c.pk, "reason": c.reason},
                )
                for c in complaints
            ]
        )
        events.publish(events.COMPLAINT_OPENED, complaint_ids=[c.pk for c in complaints])
    return complaints


def complaint_assign(*, complaint: Complaint, assignee, author=None) -> Complaint:
    """Give the case to someone (None: back to the pool); an open case goes in progress."""
    with transaction.atomic():
        before = complaint.assignee
        complaint.assignee = assignee
        if complaint.status == ComplaintStatus.OPEN and assignee is not None:
            _status_move(complaint, ComplaintStatus.IN_PROGRESS, timezone.now())
        complaint.save(update_fields=["assignee", "status"])
        _case_entry(
            complaint=complaint,
            author=author,
            event="case.assigned",
            data={
                "id": complaint.pk,
                "before": before.get_username() if before else None,
                "after": assignee.get_username() if assignee else None,
            },
        )
    return complaint


def complaint_respond(
    *, complaint: Complaint, message: str, author=None, waiting_customer: bool = False
) -> Complaint:
    """Answer the customer: stops the first-response clock the first time and the
    next-response clock each time (both go in the SLA ledger); waiting_customer pauses the case
    until they answer."""
    now = timezone.now()
    with transaction.atomic():
        before = complaint_clocks(complaint=complaint)
        if complaint.first_response_at is None:
            complaint.first_response_at = now
            _ledger_close(complaint, before.first_response, now)
        elif complaint.awaiting_reply_since is not None:
            _ledger_close(complaint, before.next_response, now)
        complaint.awaiting_reply_since = None
        if complaint.is_unresolved:
            _status_move(
                complaint,
                ComplaintStatus.WAITING_CUSTOMER if waiting_customer else ComplaintStatus.IN_PROGRESS,
                now,
            )
        complaint.save(update_fields=["first_response_at", "status", "awaiting_reply_since"])
        complaint_sla_refresh(complaint=complaint)
        _case_entry(
            complaint=complaint,
            author=author,
            body=message,
            event="case.answered",
            data={"id": complaint.pk},
        )
    return complaint


def complaint_customer_replied(*, complaint: Complaint, at: dt.datetime | None = None) -> Complaint:
    """The customer wrote on this case: a case waiting for them goes back to support, a resolved
    one is reopened, and the next-response clock runs from their oldest unanswered message."""
    at = at or timezone.now()
    with transaction.atomic():
        Complaint.objects.select_for_update().filter(pk=complaint.pk).first()
        complaint.refresh_from_db()  # as it stands under the lock
        if not complaint.is_unresolved:
            return complaint_reopen(complaint=complaint, cause="customer_replied", awaiting_since=at)
        complaint.awaiting_reply_since = complaint.awaiting_reply_since or at
        if complaint.status == ComplaintStatus.WAITING_CUSTOMER:
            _status_move(complaint, ComplaintStatus.IN_PROGRESS, at)
            _case_entry(
                complaint=complaint,
                at=at,
                event="case.customer_replied",
                data={"id": complaint.pk},
            )
        complaint.save(update_fields=["status", "awaiting_reply_since"])
        complaint_sla_refresh(complaint=complaint)
    return complaint


def complaint_reopen(
    *,
    complaint: Complaint,
    why: str = "",
    cause: str = "",
    author=None,
    awaiting_since: dt.datetime | None = None,
) -> Complaint:
    """Back to support with new due times (the resolution clock counts from now); publishes
    COMPLAINT_REOPENED (the customer is at risk again)."""
    now = timezone.now()
    with transaction.atomic():
        _status_move(complaint, ComplaintStatus.OPEN, now)
        complaint.resolved_at = None
        complaint.awaiting_reply_since = awaiting_since
        complaint.save(update_fields=["status", "resolved_at", "awaiting_reply_since"])
        complaint_sla_refresh(complaint=complaint)
        _case_entry(
            complaint=complaint,
            author=author,
            event="case.reopened",
            data={"id": complaint.pk, "why": why, "cause": cause},
        )
        events.publish(events.COMPLAINT_REOPENED, complaint_ids=[complaint.pk])
    return complaint


def complaint_withdraw(*, complaint: Complaint, note: str = "", cause: str = "", author=None) -> Complaint:
    """The customer no longer wants what the case asks (a late order's new date accepted after
    asking to cancel it): close it as withdrawn. No COMPLAINT_RESOLVED, so no case survey asks
    how support handled what it never had to handle; asking again reopens it."""
    with transaction.atomic():
        complaint.status = ComplaintStatus.CLOSED
        complaint.resolved_at = timezone.now()
        complaint.resolution_note = note or (timeline.cause_label(cause) if cause else "")
        complaint.save(update_fields=["status", "resolved_at", "resolution_note"])
        _case_entry(
            complaint=complaint,
            author=author,
            body=note,
            event="case.withdrawn",
            data={"id": complaint.pk, "cause": cause},
        )
    return complaint


def complaint_compensate(
    *, complaint: Complaint, kind: str, amount: Decimal | None, author=None
) -> Complaint:
    """Record what the customer gets (DESIGN section 2: kind and amount)."""
    if amount is not None and amount < 0:
        raise ValidationError({"compensation_amount": _("Compensation cannot be negative.")})
    with transaction.atomic():
        before = [complaint.compensation_kind, str(complaint.compensation_amount or "")]
        complaint.compensation_kind = kind
        complaint.compensation_amount = amount
        complaint.save(update_fields=["compensation_kind", "compensation_amount"])
        _case_entry(
            complaint=complaint,
            author=author,
            event="case.compensation",
            data={
                "id": complaint.pk,
                "kind": kind,
                "amount": str(amount or ""),
                "currency": complaint.sale.currency if complaint.sale_id else "EUR",
                "before": before,
            },
        )
    return complaint


def complaint_resolve(
    *, complaint: Complaint, resolution_note: str = "", author=None, reason: str = ""
) -> Complaint:
    """Resolve a case (reason: what it turned out to be about, if not what it was opened as):
    every clock stops and goes in the SLA ledger; publishes COMPLAINT_RESOLVED, from which a
    case survey is planned."""
    if not complaint.is_unresolved:
        raise ValidationError({"status": _("This case is already resolved.")})
    now = timezone.now()
    with transaction.atomic():
        before = complaint_clocks(complaint=complaint)
        if complaint.first_response_at is None:
            _ledger_close(complaint, before.first_response, now)
        _ledger_close(complaint, before.resolution, now)
        _status_move(complaint, ComplaintStatus.RESOLVED, now)
        complaint.resolved_at = now
        complaint.first_response_at = complaint.first_response_at or now
        complaint.awaiting_reply_since = None
        complaint.resolution_note = resolution_note
        complaint.reason = reason or complaint.reason
        complaint.save(
            update_fields=[
                "status",
                "resolved_at",
                "first_response_at",
                "resolution_note",
                "awaiting_reply_since",
                "reason",
            ]
        )
        complaint_sla_refresh(complaint=complaint)
        _case_entry(
            complaint=complaint,
            author=author,
            body=resolution_note,
            event="case.resolved",
            data={"id": complaint.pk},
        )
        events.publish(events.COMPLAINT_RESOLVED, complaint_ids=[complaint.pk])
    return complaint


def complaint_severity_set(*, complaint: Complaint, severity: str, author=None) -> Complaint:
    """Re-rate a case; its clocks take the new severity's targets, counted from their starts."""
    if severity == complaint.severity:
        return complaint
    with transaction.atomic():
        before = complaint.severity
        complaint.severity = severity
        complaint.save(update_fields=["severity"])
        complaint_sla_refresh(complaint=complaint)
        _case_entry(
            complaint=complaint,
            author=author,
            event="case.severity",
            data={"id": complaint.pk, "before": before, "after": complaint.severity},
        )
    return complaint


# Moves a case may make by a plain status change; resolving and reopening have their own services.
STATUS_MOVES = {
    ComplaintStatus.IN_PROGRESS: UNRESOLVED_STATUSES,
    ComplaintStatus.WAITING_CUSTOMER: UNRESOLVED_STATUSES,
    ComplaintStatus.CLOSED: (ComplaintStatus.RESOLVED,),
}


def complaint_status_set(*, complaint: Complaint, status: str, note: str = "", author=None) -> Complaint:
    """Move a case: work on it, wait for the customer (its clocks pause), resolve (note: the
    resolution), close a resolved case, or reopen one (note: why). A move that makes no sense is
    a ValidationError.
    """
    if status == complaint.status:
        return complaint
    if status == ComplaintStatus.RESOLVED:
        return complaint_resolve(complaint=complaint, resolution_note=note, author=author)
    if status == ComplaintStatus.OPEN and not complaint.is_unresolved:
        return complaint_reopen(
            complaint=complaint, why=note, cause="" if note else "no_reason", author=author
        )
    if complaint.status not in STATUS_MOVES.get(status, ()):
        raise ValidationError(
            {
                "status": _("A case cannot go from %(old)s to %(new)s.")
                % {"old": complaint.get_status_display(), "new": ComplaintStatus(status).label}
            }
        )
    with transaction.atomic():
        before = complaint.status
        _status_move(complaint, status, timezone.now())
        complaint.save(update_fields=["status"])
        complaint_sla_refresh(complaint=complaint)
        _case_entry(
            complaint=complaint,
            author=author,
            body=note,
            event="case.status",
            data={"id": complaint.pk, "before": before, "after": complaint.status},
        )
    return complaint


def complaint_breach_record(*, complaint: Complaint, at: dt.datetime) -> SlaLedgerEntry | None:
    """Mark the case's overdue clock as escalated in its ledger, once per clock run; None when
    it was already escalated (another sweep got there first) or nothing is overdue."""
    clocks = complaint_clocks(complaint=complaint)
    clock = clocks.next_due()
    if clock is None or clock.state(at) != "breached":
        return None
    with transaction.atomic():
        entry, created = SlaLedgerEntry.objects.get_or_create(
            complaint=complaint,
            clock=clock.name,
            started_at=clock.started_at,
            defaults={
                "target_hours": Decimal(str(clock.target_hours)),
                "due_at": clock.due_at,
                "breached_at": at,
            },
        )
        if not created:
            if entry.breached_at is not None:
                return None
            entry.breached_at = at
            entry.save(update_fields=["breached_at"])
        _case_entry(
            complaint=complaint,
            at=at,
            event="case.breached",
            data={"id": complaint.pk, "clock": clock.name},
        )
    return entry


def note_add(
    *, customer: Customer, text: str, author=None, call: bool = False, complaint: Complaint | None = None
) -> TimelineEntry:
    if not text.strip():
        raise ValidationError({"text": _("Write something first.")})
    kind = TimelineKind.CALL if call else TimelineKind.NOTE
    with transaction.atomic():
        return timeline_add(
            customer=customer,
            kind=kind,
            event="call" if call else "note",
            body=text,
            author=author,
            complaint=complaint,
        )

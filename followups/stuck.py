"""Stuck parcels: open deliveries whose status has not moved for N days (per carrier).

Support hears of them before the customer has to ask: each stuck episode opens one case with
the carrier and tracking number, and (if the rule is on) the customer gets a short "we are
checking on your parcel" mail. An episode is a delivery plus the status_changed_at it was found
with (StuckParcel, unique on both): a rerun finds nothing new, and only a status change (which
moves status_changed_at) can make the same parcel stuck again.

The sweep reads the delivery_status_idx range (open statuses, status_changed_at within the
window) in batches keyed by pk, and spends a fixed number of queries per batch.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Lower, Trim
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.choices import UNRESOLVED_STATUSES, ComplaintSource, DeliveryStatus, Reason
from customers.models import Complaint, Delivery
from customers.services import CaseData, complaints_open_many
from followups.models import FollowupRules, Kind, Message, State, StuckParcel
from followups.outbox import messages_plan
from followups.planner import BATCH, DELAY_NOTICE_HORIZON

OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.IN_TRANSIT, DeliveryStatus.DELAYED)
# A parcel unmoved for longer than this is stale data nobody updates, not news for support.
STALE_AFTER = dt.timedelta(days=30)
# The notice goes out as soon as the daytime rules allow; two days later it would be old news.
NOTICE_WINDOW = dt.timedelta(days=2)


def stuck_parcels_sweep(*, now: dt.datetime | None = None, batch: int = BATCH) -> int:
    """Open a case (and plan a notice) for every newly stuck parcel; returns how many.

    Each batch is its own transaction: killed midway, a rerun goes on where it stopped."""
    rules, now = FollowupRules.current(), now or timezone.now()
    cancel_moved_notices()
    found, last_id, retried = 0, 0, False
    candidates = stuck_deliveries(rules, now)
    while True:
        rows = list(candidates.filter(pk__gt=last_id).order_by("pk")[:batch])
        if not rows:
            return found
        try:
            found += _open_episodes(rows, rules, now)
        except IntegrityError:
            if retried:
                raise
            retried = True  # another sweep took some of these first: read the batch again
            continue
        last_id, retried = rows[-1]["pk"], False


def stuck_deliveries(rules: FollowupRules, now: dt.datetime):
    """Open deliveries stuck now and not seen in this episode yet, as dicts for the batch."""
    overrides = rules.stuck_days_by_carrier()
    cutoff = {key: now - dt.timedelta(days=days) for key, days in overrides.items()}
    default_cutoff = now - dt.timedelta(days=rules.stuck_parcel_days)
    stuck = Q(status_changed_at__lte=default_cutoff) & ~Q(carrier_key__in=list(cutoff))
    for key, moment in cutoff.items():
        stuck |= Q(carrier_key=key, status_changed_at__lte=moment)
    seen = StuckParcel.objects.filter(delivery=OuterRef("pk"), since=OuterRef("status_changed_at"))
    moments = [default_cutoff, *cutoff.values()]
    return (
        Delivery.objects.filter(
            status__in=OPEN_STATUSES,
            status_changed_at__lte=max(moments),
            status_changed_at__gt=min(moments) - STALE_AFTER,
            delivered_at__isnull=True,
        )
        .filter(
            Q(promised_date__isnull=True)
            | Q(promised_date__gte=timezone.localdate(now) - DELAY_NOTICE_HORIZON)
        )
        .annotate(carrier_key=Lower(Trim("carrier")))
        .filter(stuck)
        .filter(~Exists(seen))
        .values(
            "pk",
            "sale_id",
            "status",
            "status_changed_at",
            "carrier",
            "tracking_number",
            customer_id=F("sale__customer_id"),
            order=F("sale__external_id"),
        )
    )


@transaction.atomic
def _open_episodes(rows: list[dict], rules: FollowupRules, now: dt.datetime) -> int:
    """Open the cases, skipping a sale whose case is already open (one case per problem), then
    record the episodes: their unique key fails the whole batch if another sweep got there first,
    and the cases roll back with it."""
    open_case = dict(
        Complaint.objects.filter(sale_id__in=[r["sale_id"] for r in rows], status__in=UNRESOLVED_STATUSES)
        .order_by("opened_at")
        .values_list("sale_id", "pk")
    )
    new = [row for row in rows if row["sale_id"] not in open_case]
    opened = complaints_open_many(
        source=ComplaintSource.STUCK_PARCEL,
        cases=[
            CaseData(
                customer_id=row["customer_id"],
                sale_id=row["sale_id"],
                reason=Reason.DELIVERY_LATE,
                description=case_description(row, now),
            )
            for row in new
        ],
    )
    open_case.update({row["sale_id"]: case.pk for row, case in zip(new, opened, strict=True)})
    StuckParcel.objects.bulk_create(
        [
            StuckParcel(
                delivery_id=row["pk"],
                since=row["status_changed_at"],
                status=row["status"],
                complaint_id=open_case[row["sale_id"]],
                found_at=now,
            )
            for row in rows
        ]
    )
    if rules.stuck_parcel_notice_enabled:
        messages_plan([notice_row(row, open_case[row["sale_id"]], now) for row in rows])
    return len(rows)


def case_description(row: dict, now: dt.datetime) -> str:
    days = (now - row["status_changed_at"]).days
    return _(
        "Parcel of order %(order)s has not moved for %(days)s days (status: %(status)s). "
        "Carrier: %(carrier)s, tracking number: %(tracking)s. Ask the carrier."
    ) % {
        "order": row["order"],
        "days": days,
        "status": DeliveryStatus(row["status"]).label,
        "carrier": row["carrier"] or "-",
        "tracking": row["tracking_number"] or "-",
    }


def notice_key(delivery_id: int, since: dt.datetime) -> str:
    """One notice per delivery and episode."""
    return f"parcel_check:delivery:{delivery_id}:{since.timestamp():.6f}"


def notice_row(row: dict, complaint_id: int, now: dt.datetime) -> Message:
    return Message(
        kind=Kind.PARCEL_CHECK,
        customer_id=row["customer_id"],
        sale_id=row["sale_id"],
        complaint_id=complaint_id,
        dedupe_key=notice_key(row["pk"], row["status_changed_at"]),
        planned_at=now,
        expires_at=now + NOTICE_WINDOW,
        data={"since": row["status_changed_at"].isoformat()},
    )


def cancel_moved_notices() -> int:
    """A notice still waiting for daytime is moot once the parcel moved or arrived."""
    still_stuck = Delivery.objects.filter(
        sale_id=OuterRef("sale_id"),
        status__in=OPEN_STATUSES,
        delivered_at__isnull=True,
        stuck_episodes__since=F("status_changed_at"),
    )
    return (
        Message.objects.filter(kind=Kind.PARCEL_CHECK, state=State.PLANNED)
        .filter(~Exists(still_stuck))
        .update(state=State.CANCELLED, reason="parcel_moved")
    )

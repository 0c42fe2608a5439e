"""Planning: from what happened (domain events, beat sweeps) to outbox rows.

Every plan is set-based over a batch of ids: a handful of queries per batch of 1,000 whatever the
batch holds, and one INSERT that skips dedupe keys already planned. History is not news: a
message whose moment plus its kind's window has passed is not planned at all.
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from customers.models import Complaint, Customer, Delivery, Sale, SaleLine
from followups.models import FollowupRules, Kind, Message, State
from followups.outbox import messages_plan

BATCH = 1000
# How long after its moment a message may still go out; past that it is not planned, or a
# planned one is cancelled as expired.
WINDOW = {
    Kind.THANK_YOU: dt.timedelta(days=2),
    Kind.DELAY_NOTICE: dt.timedelta(days=3),
    Kind.USAGE_TIPS: dt.timedelta(days=7),
    Kind.SURVEY: dt.timedelta(days=14),
    Kind.CASE_SURVEY: dt.timedelta(days=7),
    Kind.BIRTHDAY: dt.timedelta(hours=14),
    Kind.WINBACK: dt.timedelta(days=7),
}
# A delivery promised longer ago than this and still open is stale data, not news.
DELAY_NOTICE_HORIZON = dt.timedelta(days=30)


def chunks(ids: Iterable[int], size: int = BATCH) -> Iterator[list[int]]:
    batch: list[int] = []
    for item in ids:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _row(kind, *, customer_id, key, moment, now, **extra) -> Message | None:
    expires_at = moment + WINDOW[kind]
    if expires_at <= now:
        return None
    return Message(kind=kind, customer_id=customer_id, dedupe_key=key,
                   planned_at=max(moment, now), expires_at=expires_at, **extra)


def _plan(rows) -> int:
    rows = [row for row in rows if row is not None]
    messages_plan(rows)
    return len(rows)


def plan_thank_yous(sale_ids: list[int], *, now: dt.datetime | None = None) -> int:
    """A thank-you per new sale, `thank_you_delay_minutes` after the order."""
    rules, now = FollowupRules.current(), now or timezone.now()
    if not rules.thank_you_enabled:
        return 0
    delay, planned = dt.timedelta(minutes=rules.thank_you_delay_minutes), 0
    for batch in chunks(sale_ids):
        sales = Sale.objects.filter(pk__in=batch, ordered_at__gt=now - delay - WINDOW[Kind.THANK_YOU])
        planned += _plan(
            _row(Kind.THANK_YOU, customer_id=customer_id, key=f"thank_you:sale:{pk}",
                 moment=ordered_at + delay, now=now, sale_id=pk)
            for pk, customer_id, ordered_at in sales.values_list("pk", "customer_id", "ordered_at"))
    return planned


def plan_for_deliveries(delivery_ids: list[int], *, now: dt.datetime | None = None) -> int:
    """Late ones get a delay notice; delivered ones usage tips and a survey (and lose any
    pending delay notice)."""
    now, planned = now or timezone.now(), 0
    for batch in chunks(delivery_ids):
        deliveries = list(Delivery.objects.filter(pk__in=batch).select_related("sale"))
        planned += _plan_delay_notices([d for d in deliveries if d.is_late_on(_today(now))], now)
        delivered = [d for d in deliveries if d.delivered_at is not None]
        planned += _plan_after_delivery(delivered, now)
        Message.objects.filter(kind=Kind.DELAY_NOTICE, state=State.PLANNED,
                               sale_id__in=[d.sale_id for d in deliveries if not d.is_open]
                               ).update(state=State.CANCELLED, reason="delivered")
    return planned


def _today(now: dt.datetime) -> dt.date:
    return timezone.localdate(now)


def delay_notice_key(delivery: Delivery) -> str:
    """One notice per announced date: a new estimate is news again, the same one is not."""
    expected = delivery.estimated_date if (delivery.estimated_date or dt.date.min) > (
        delivery.promised_date or dt.date.min) else None
    return f"delay_notice:delivery:{delivery.pk}:{expected.isoformat() if expected else 'unknown'}"


def _plan_delay_notices(deliveries: list[Delivery], now: dt.datetime) -> int:
    rules = FollowupRules.current()
    if not rules.delay_notice_enabled:
        return 0
    fresh = [d for d in deliveries if d.promised_date and
             d.promised_date >= _today(now) - DELAY_NOTICE_HORIZON]
    rows = []
    for delivery in fresh:
        key = delay_notice_key(delivery)
        data = {"promised_date": delivery.promised_date.isoformat(),
                "new_date": delivery.estimated_date.isoformat()
                if key.split(":")[-1] != "unknown" else None,
                "reason": delivery.delay_reason}
        rows.append(_row(Kind.DELAY_NOTICE, customer_id=delivery.sale.customer_id, key=key,
                         moment=now, now=now, sale_id=delivery.sale_id, data=data))
    # An older notice still waiting announces a date that is no longer true.
    for delivery in fresh:
        (Message.objects.filter(kind=Kind.DELAY_NOTICE, state=State.PLANNED, sale_id=delivery.sale_id)
         .exclude(dedupe_key=delay_notice_key(delivery))
         .update(state=State.CANCELLED, reason="superseded"))
    return _plan(rows)


def _plan_after_delivery(deliveries: list[Delivery], now: dt.datetime) -> int:
    rules = FollowupRules.current()
    categories = dict(SaleLine.objects.filter(sale_id__in=[d.sale_id for d in deliveries])
                      .values("sale_id").annotate(category=Min("category"))
                      .values_list("sale_id", "category"))
    rows = []
    for d in deliveries:
        customer_id = d.sale.customer_id
        if rules.usage_tips_enabled:
            rows.append(_row(Kind.USAGE_TIPS, customer_id=customer_id,
                             key=f"usage_tips:sale:{d.sale_id}", sale_id=d.sale_id, now=now,
                             moment=d.delivered_at + dt.timedelta(days=rules.usage_tips_days),
                             data={"category": categories.get(d.sale_id) or ""}))
        if rules.survey_enabled:
            days = rules.survey_days_for(categories.get(d.sale_id) or "")
            rows.append(_row(Kind.SURVEY, customer_id=customer_id, key=f"survey:sale:{d.sale_id}",
                             sale_id=d.sale_id, now=now,
                             moment=d.delivered_at + dt.timedelta(days=days)))
    return _plan(rows)


def plan_case_surveys(complaint_ids: list[int], *, now: dt.datetime | None = None) -> int:
    """A case survey `case_survey_delay_hours` after a case is resolved."""
    rules, now = FollowupRules.current(), now or timezone.now()
    if not rules.case_survey_enabled:
        return 0
    delay, planned = dt.timedelta(hours=rules.case_survey_delay_hours), 0
    for batch in chunks(complaint_ids):
        resolved = (Complaint.objects.filter(pk__in=batch, resolved_at__isnull=False)
                    .values_list("pk", "customer_id", "sale_id", "resolved_at"))
        planned += _plan(
            _row(Kind.CASE_SURVEY, customer_id=customer_id, key=f"case_survey:complaint:{pk}",
                 moment=resolved_at + delay, now=now, complaint_id=pk, sale_id=sale_id)
            for pk, customer_id, sale_id, resolved_at in resolved)
    return planned


def late_deliveries_sweep(*, now: dt.datetime | None = None) -> int:
    """Find the open deliveries that are late today (an indexed range over open ones)."""
    now, planned, last_id = now or timezone.now(), 0, 0
    today = _today(now)
    late = Delivery.objects.late(today).filter(promised_date__gte=today - DELAY_NOTICE_HORIZON)
    while True:
        ids = list(late.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            return planned
        deliveries = list(Delivery.objects.filter(pk__in=ids).select_related("sale"))
        planned += _plan_delay_notices(deliveries, now)
        last_id = ids[-1]


def _customer_zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def birthdays_sweep(*, now: dt.datetime | None = None) -> int:
    """Plan today's birthday notes for `birthday_hour` in each customer's time zone."""
    rules, now = FollowupRules.current(), now or timezone.now()
    if not rules.birthday_enabled:
        return 0
    today = _today(now)
    key, planned, last_id = today.month * 100 + today.day, 0, 0
    while True:
        batch = list(Customer.objects.filter(birthday_key=key, pk__gt=last_id).order_by("pk")
                     .values_list("pk", "time_zone")[:BATCH])
        if not batch:
            return planned
        rows = []
        for pk, zone in batch:
            local = dt.datetime.combine(today, dt.time(rules.birthday_hour), _customer_zone(zone))
            rows.append(_row(Kind.BIRTHDAY, customer_id=pk, key=f"birthday:{pk}:{today.year}",
                             moment=local, now=now))
        planned += _plan(rows)
        last_id = batch[-1][0]

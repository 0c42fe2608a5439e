"""Planning: from what happened (domain events, beat sweeps) to outbox rows.

Every plan is set-based over a batch of ids: a handful of queries per batch of 1,000 whatever the
batch holds, and one INSERT that skips dedupe keys already planned. History is not news: a
message whose moment plus its kind's window has passed is not planned at all.
"""

import calendar
import datetime as dt
from collections.abc import Iterable, Iterator

from django.db.models import Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from customers.choices import DeliveryStatus
from customers.models import OPEN_DELIVERY, Complaint, Customer, Delivery, Sale, SaleLine
from followups.models import FollowupRules, Kind, Message, Reason, State
from followups.outbox import messages_plan
from postsale.lib.lookups import ids_in
from postsale.lib.zones import zone_or_shop

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
    return Message(
        kind=kind,
        customer_id=customer_id,
        dedupe_key=key,
        planned_at=max(moment, now),
        expires_at=expires_at,
        **extra,
    )


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
        sales = Sale.objects.filter(ids_in("pk", batch), ordered_at__gt=now - delay - WINDOW[Kind.THANK_YOU])
        planned += _plan(
            _row(
                Kind.THANK_YOU,
                customer_id=customer_id,
                key=f"thank_you:sale:{pk}",
                moment=ordered_at + delay,
                now=now,
                sale_id=pk,
            )
            for pk, customer_id, ordered_at in sales.values_list("pk", "customer_id", "ordered_at")
        )
    return planned


def plan_for_deliveries(delivery_ids: list[int], *, now: dt.datetime | None = None) -> int:
    """Late ones get a delay notice; delivered ones usage tips and a survey (and lose any
    pending delay notice).

    Only the deliveries that could still get a message are loaded: an import of last year's
    orders announces every delivery, and loading each as objects to find it is history cost
    more than the rest of the import. The SQL keeps a superset (open and promised recently, or
    delivered recently enough for the longest window); the Python rules decide as before."""
    now, planned = now or timezone.now(), 0
    today, rules = _today(now), FollowupRules.current()
    may_be_late = OPEN_DELIVERY & Q(promised_date__gte=today - DELAY_NOTICE_HORIZON)
    may_follow_up = Q(status=DeliveryStatus.DELIVERED, moment__gt=now - _longest_after_delivery(rules))
    for batch in chunks(delivery_ids):
        in_batch = Delivery.objects.filter(ids_in("pk", batch))
        deliveries = list(
            in_batch.alias(moment=Coalesce("delivered_at", "ordered_at"))
            .filter(may_be_late | may_follow_up)
            .select_related("sale")
        )
        planned += _plan_delay_notices([d for d in deliveries if d.is_late_on(today)], now)
        delivered = [d for d in deliveries if d.status == DeliveryStatus.DELIVERED]
        planned += _plan_after_delivery(delivered, now)
        Message.objects.filter(
            kind=Kind.DELAY_NOTICE,
            state=State.PLANNED,
            sale_id__in=in_batch.exclude(OPEN_DELIVERY).values("sale_id"),
        ).update(state=State.CANCELLED, reason=Reason.DELIVERED)
    return planned


def _longest_after_delivery(rules: FollowupRules) -> dt.timedelta:
    """How long after its arrival a delivery may still get usage tips or a survey."""
    survey_days = max(
        [rules.survey_days_for(""), *map(rules.survey_days_for, _categories(rules.survey_days_by_category))]
    )
    return max(
        dt.timedelta(days=rules.usage_tips_days) + WINDOW[Kind.USAGE_TIPS],
        dt.timedelta(days=survey_days) + WINDOW[Kind.SURVEY],
    )


def _categories(by_category) -> list[str]:
    return [str(name) for name in by_category] if isinstance(by_category, dict) else []


def _today(now: dt.datetime) -> dt.date:
    return timezone.localdate(now)


def announced_date(delivery: Delivery) -> str | None:
    """The date a delay notice about this delivery tells the customer now: the new estimate
    (ISO) when it passes the promise, None when the promised day went by with no new date."""
    estimated, promised = delivery.estimated_date, delivery.promised_date
    if estimated and (promised is None or estimated > promised):
        return estimated.isoformat()
    return None


def delay_notice_key(delivery: Delivery, sequence: int = 0) -> str:
    """One notice per announcement. The first about a date is `...:<date>`; announcing a date
    again after another one (the estimate moved and came back) is news again: `...:<date>:<n>`."""
    key = f"delay_notice:delivery:{delivery.pk}:{announced_date(delivery) or 'unknown'}"
    return f"{key}:{sequence}" if sequence else key


def _plan_delay_notices(deliveries: list[Delivery], now: dt.datetime) -> int:
    """The customer must always have our latest date: plan a notice unless the last one sent
    (or one still waiting) already says it; cancel waiting ones that say something else.
    Three queries for the whole batch."""
    rules = FollowupRules.current()
    if not rules.delay_notice_enabled:
        return 0
    fresh = [
        d for d in deliveries if d.promised_date and d.promised_date >= _today(now) - DELAY_NOTICE_HORIZON
    ]
    notices: dict[int, list[tuple]] = {}
    for row in (
        Message.objects.filter(ids_in("sale_id", [d.sale_id for d in fresh]), kind=Kind.DELAY_NOTICE)
        .order_by("pk")
        .values_list("sale_id", "pk", "state", "data")
    ):
        notices.setdefault(row[0], []).append(row[1:])
    rows, superseded = [], []
    for delivery in fresh:
        date, previous = announced_date(delivery), notices.get(delivery.sale_id, [])
        waiting = [(pk, data) for pk, state, data in previous if state == State.PLANNED]
        superseded += [pk for pk, data in waiting if data.get("new_date") != date]
        if _already_told(previous, date):
            continue
        data = {
            "promised_date": delivery.promised_date.isoformat(),
            "new_date": date,
            "reason": delivery.delay_reason,
        }
        rows.append(
            _row(
                Kind.DELAY_NOTICE,
                customer_id=delivery.sale.customer_id,
                now=now,
                key=delay_notice_key(delivery, len(previous)),
                moment=now,
                sale_id=delivery.sale_id,
                data=data,
            )
        )
    if superseded:
        Message.objects.filter(pk__in=superseded, state=State.PLANNED).update(
            state=State.CANCELLED, reason=Reason.SUPERSEDED
        )
    return _plan(rows)


def _already_told(previous: list[tuple], date: str | None) -> bool:
    """Is `date` what the customer heard last (sent), or about to hear (waiting or sending)?"""
    for _pk, state, data in reversed(previous):
        if state in (State.PLANNED, State.SENDING) and data.get("new_date") == date:
            return True
        if state == State.SENT:
            return data.get("new_date") == date
    return False


def delivery_moment(delivery: Delivery) -> dt.datetime:
    """When the parcel arrived as the shop recorded it; the order's time when that is unknown
    (an old order marked delivered today is history, not news)."""
    return delivery.delivered_at or delivery.ordered_at


def _plan_after_delivery(deliveries: list[Delivery], now: dt.datetime) -> int:
    rules = FollowupRules.current()
    categories = dict(
        SaleLine.objects.filter(ids_in("sale_id", [d.sale_id for d in deliveries]))
        .values("sale_id")
        .annotate(category=Min("category"))
        .values_list("sale_id", "category")
    )
    rows = []
    for d in deliveries:
        customer_id, arrived = d.sale.customer_id, delivery_moment(d)
        if rules.usage_tips_enabled:
            rows.append(
                _row(
                    Kind.USAGE_TIPS,
                    customer_id=customer_id,
                    key=f"usage_tips:sale:{d.sale_id}",
                    sale_id=d.sale_id,
                    now=now,
                    moment=arrived + dt.timedelta(days=rules.usage_tips_days),
                    data={"category": categories.get(d.sale_id) or ""},
                )
            )
        if rules.survey_enabled:
            days = rules.survey_days_for(categories.get(d.sale_id) or "")
            rows.append(
                _row(
                    Kind.SURVEY,
                    customer_id=customer_id,
                    key=f"survey:sale:{d.sale_id}",
                    sale_id=d.sale_id,
                    now=now,
                    moment=arrived + dt.timedelta(days=days),
                )
            )
    return _plan(rows)


def plan_case_surveys(complaint_ids: list[int], *, now: dt.datetime | None = None) -> int:
    """A case survey `case_survey_delay_hours` after a case is resolved."""
    rules, now = FollowupRules.current(), now or timezone.now()
    if not rules.case_survey_enabled:
        return 0
    delay, planned = dt.timedelta(hours=rules.case_survey_delay_hours), 0
    for batch in chunks(complaint_ids):
        resolved = Complaint.objects.filter(pk__in=batch, resolved_at__isnull=False).values_list(
            "pk", "customer_id", "sale_id", "resolved_at"
        )
        planned += _plan(
            _row(
                Kind.CASE_SURVEY,
                customer_id=customer_id,
                key=f"case_survey:complaint:{pk}",
                moment=resolved_at + delay,
                now=now,
                complaint_id=pk,
                sale_id=sale_id,
            )
            for pk, customer_id, sale_id, resolved_at in resolved
        )
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


def birthday_in(year: int, key: int) -> dt.date:
    """The day a birthday (month * 100 + day) is kept in a year: 29 February on the 28th in a
    common year."""
    month, day = divmod(key, 100)
    if (month, day) == (2, 29) and not calendar.isleap(year):
        day = 28
    return dt.date(year, month, day)


def _birthday_keys(dates: Iterable[dt.date]) -> set[int]:
    keys = {d.month * 100 + d.day for d in dates}
    if 228 in keys:
        keys.add(229)  # kept on the 28th when the year has no 29th; birthday_in decides which
    return keys


def birthdays_sweep(*, now: dt.datetime | None = None) -> int:
    """Plan the birthday notes of customers whose birthday is today or tomorrow where they live,
    each for `birthday_hour` of their own morning.

    Local dates on Earth span from yesterday to tomorrow of UTC's, so three birthday keys (four
    around 28 February) bound the indexed read; each customer's own zone then decides. Planning
    a day ahead lets a sweep that was down for a while still catch the morning.
    """
    rules, now = FollowupRules.current(), now or timezone.now()
    if not rules.birthday_enabled:
        return 0
    utc_today = now.astimezone(dt.UTC).date()
    keys = _birthday_keys(utc_today + dt.timedelta(days=n) for n in (-1, 0, 1, 2))
    planned, last_id = 0, 0
    while True:
        batch = list(
            Customer.objects.filter(birthday_key__in=keys, pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", "time_zone", "birthday_key")[:BATCH]
        )
        if not batch:
            return planned
        planned += _plan(_birthday_row(pk, zone, key, rules, now) for pk, zone, key in batch)
        last_id = batch[-1][0]


def _birthday_row(
    pk: int, zone_name: str, key: int, rules: FollowupRules, now: dt.datetime
) -> Message | None:
    zone = zone_or_shop(zone_name)
    local_today = now.astimezone(zone).date()
    for day in (local_today, local_today + dt.timedelta(days=1)):
        if birthday_in(day.year, key) == day:
            morning = dt.datetime.combine(day, dt.time(rules.birthday_hour), zone)
            return _row(
                Kind.BIRTHDAY, customer_id=pk, key=f"birthday:{pk}:{day.year}", moment=morning, now=now
            )
    return None

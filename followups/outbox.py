"""The outbox's one way in: plan a message row, once per dedupe key."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from followups.models import KIND_CATEGORY, Message

# How long a link in a sent mail keeps working (unsubscribe, preferences, order page).
LINK_DAYS = 180


def message_plan(*, kind: str, customer_id: int, dedupe_key: str, planned_at: dt.datetime,
                 expires_at: dt.datetime, sale_id: int | None = None,
                 complaint_id: int | None = None, data: dict | None = None) -> Message | None:
    """Plan one message; None when that dedupe key was planned before (kept as it was)."""
    try:
        with transaction.atomic():
            return Message.objects.create(
                kind=kind, category=KIND_CATEGORY[kind], customer_id=customer_id,
                dedupe_key=dedupe_key, planned_at=planned_at, expires_at=expires_at,
                sale_id=sale_id, complaint_id=complaint_id, data=data or {})
    except IntegrityError:
        return None


def messages_plan(rows: list[Message]) -> None:
    """Plan many at once (one INSERT per 1,000 rows); rows whose key exists are skipped."""
    for row in rows:
        row.category = KIND_CATEGORY[row.kind]
    Message.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


def message_by_token(token_hash: str) -> Message | None:
    """The sent message a link belongs to, while its links still work."""
    if not token_hash:
        return None
    message = (Message.objects.select_related("customer", "sale", "sale__delivery", "complaint")
               .filter(token_hash=token_hash, sent_at__isnull=False).first())
    if message is None or message.sent_at < timezone.now() - dt.timedelta(days=LINK_DAYS):
        return None
    return message

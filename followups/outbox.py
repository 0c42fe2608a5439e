"""The outbox's ways in: plan a message row, once per dedupe key; send a failed one again."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from followups.models import KIND_CATEGORY, EventKind, Message, MessageEvent, Reason, State
from postsale.lib.compiled import CompiledRead

# How long a link in a sent mail keeps working (unsubscribe, preferences, order page).
MAIL_LINK_DAYS = 180


def message_plan(
    *,
    kind: str,
    customer_id: int,
    dedupe_key: str,
    planned_at: dt.datetime,
    expires_at: dt.datetime,
    sale_id: int | None = None,
    complaint_id: int | None = None,
    data: dict | None = None,
) -> Message | None:
    """Plan one message; None when that dedupe key was planned before (kept as it was)."""
    try:
        with transaction.atomic():
            return Message.objects.create(
                kind=kind,
                category=KIND_CATEGORY[kind],
                customer_id=customer_id,
                dedupe_key=dedupe_key,
                planned_at=planned_at,
                expires_at=expires_at,
                sale_id=sale_id,
                complaint_id=complaint_id,
                data=data or {},
            )
    except IntegrityError:
        return None


def messages_plan(rows: list[Message]) -> None:
    """Plan many at once (one INSERT per 1,000 rows); rows whose key exists are skipped."""
    for row in rows:
        row.category = KIND_CATEGORY[row.kind]
    Message.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


# Compiled once per process (postsale/lib/compiled.py): every link in every mail opens with it.
_BY_TOKEN = CompiledRead(
    lambda digest: (
        Message.objects.select_related("customer", "sale", "sale__delivery", "complaint", "send_mark")
        .filter(token_hash=digest, customer__isnull=False)
        .filter(Q(sent_at__isnull=False) | Q(send_mark__isnull=False))
        # The mail as sent: kilobytes (TOASTed on PostgreSQL) that no page behind a link shows.
        .defer("text_body", "html_body", "last_error", "send_mark__text_body", "send_mark__html_body")
        .order_by("pk")[:1]
    ),
    str,
)


def message_by_token(token_hash: str) -> Message | None:
    """The sent message a link belongs to, while its links still work."""
    if not token_hash:
        return None
    message = _BY_TOKEN.first(token_hash)
    if message is None:
        return None
    if message.sent_at is None:  # the ESP has it, its batch has not recorded it yet (a mark)
        message.sent_at = message.send_mark.accepted_at
    if message.sent_at < timezone.now() - dt.timedelta(days=MAIL_LINK_DAYS):
        return None
    return message


def message_retry(*, message: Message, author) -> None:
    """A failed message goes back to the outbox, due now, with a "retried" event naming who
    asked (one transaction). The send-time rules are checked again when it goes out.

    Raises ValidationError when it is not failed (any more) or its window has passed: a mail
    past its moment is not news, so it is not sent late by hand either."""
    now = timezone.now()
    if message.expires_at <= now:
        raise ValidationError(
            _("Too late to send this message: it was due by %(when)s.")
            % {"when": timezone.localtime(message.expires_at).strftime("%Y-%m-%d %H:%M")},
            code="expired",
        )
    with transaction.atomic():
        changed = Message.objects.filter(pk=message.pk, state=State.FAILED).update(
            state=State.PLANNED, planned_at=now, reason=Reason.RETRIED, attempts=0, claimed_at=None
        )
        if not changed:
            raise ValidationError(_("Only a failed message can be sent again."), code="not_failed")
        MessageEvent.objects.create(
            message=message, event=EventKind.RETRIED, at=now, detail=f"by {author.get_username()}"[:300]
        )

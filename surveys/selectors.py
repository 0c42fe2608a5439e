"""Reads for surveys: links, the order page, and the satisfaction metrics.

The metrics count a person's answers only: flagged (automated-looking) answers are left out.
An answer belongs to the period in which a person first answered it, with its current score.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from customers.models import Complaint, Sale
from followups.models import Kind, Message, Reason, State
from postsale.lib.compiled import CompiledRead
from postsale.lib.tokens import token_hash
from surveys.models import Invitation, InvitationToken

# What the public pages read: the hot path loads no customer column it does not show.
PAGE_FIELDS = (
    "invitation__survey_type",
    "invitation__expires_at",
    "invitation__answered_at",
    "invitation__complaint_id",
    "invitation__sale_id",
    "invitation__customer_id",
    "invitation__customer__name",
    "invitation__customer__language",
    "invitation__sale__external_id",
    "invitation__answer__score",
    "invitation__answer__ces_score",
    "invitation__answer__comment",
    "invitation__answer__reasons",
    "invitation__answer__would_buy_again",
    "invitation__answer__flagged",
    "invitation__answer__complaint_id",
)


# Compiled once per process (postsale/lib/compiled.py): the page's reads are by key, and building
# their querysets cost more than running them.
_LINK = CompiledRead(
    lambda digest: (
        InvitationToken.objects.select_related(
            "invitation__customer", "invitation__sale", "invitation__answer", "message"
        )
        .only(*PAGE_FIELDS, "message__sent_at")
        .filter(token_hash=digest)
        .order_by("pk")[:1]
    ),
    str,
)


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation a link opens, or None (unknown or expired: told apart by nobody outside).

    One query either way, so a guess and an expired link cost the same.
    """
    link = _LINK.first(token_hash(token))
    if link is None or link.invitation.expires_at <= timezone.now():
        return None
    # When the mail carrying this link went out: a POST right after it is a scanner's.
    link.invitation.link_sent_at = link.message.sent_at if link.message_id else None
    return link.invitation


def reminders_unwanted(messages: list[Message]) -> dict[int, str]:
    """For the engine at send time, one query per batch: reminders whose invitation was answered
    or expired meanwhile are moot."""
    reminded = {m.pk: (m.data or {}).get("reminder_of_invitation") for m in messages}
    reminded = {pk: invitation for pk, invitation in reminded.items() if invitation}
    if not reminded:
        return {}
    still_open = set(
        Invitation.objects.filter(
            pk__in=set(reminded.values()), answered_at__isnull=True, expires_at__gt=timezone.now()
        ).values_list("pk", flat=True)
    )
    return {pk: Reason.SURVEY_ANSWERED for pk, invitation in reminded.items() if invitation not in still_open}


@dataclass
class OrderPage:
    sale: Sale
    pending_invitation: Invitation | None
    open_complaint: Complaint | None
    delay_notice: Message | None  # sent, not answered yet, parcel still on its way
    case: Complaint | None = None  # the one the page tells of: the open one, else the last closed


def sale_of(message: Message | None) -> Sale | None:
    """The order a mail was about: its own, or its case's (a case survey)."""
    if message is None:
        return None
    if message.sale_id is None and message.complaint_id is not None:
        return message.complaint.sale
    return message.sale


_PENDING = CompiledRead(
    lambda sale_id, now: Invitation.objects.filter(
        sale_id=sale_id, answered_at__isnull=True, expires_at__gt=now
    ).order_by("-created_at")[:1],
    int,
    dt.datetime,
)
_OPEN_CASE = CompiledRead(
    lambda sale_id: Complaint.objects.unresolved().filter(sale_id=sale_id).order_by("-opened_at")[:1], int
)
_LAST_CASE = CompiledRead(
    lambda sale_id: Complaint.objects.filter(sale_id=sale_id).order_by("-resolved_at", "-pk")[:1], int
)
_DELAY_NOTICE = CompiledRead(
    lambda sale_id: (
        Message.objects.filter(sale_id=sale_id, kind=Kind.DELAY_NOTICE, state=State.SENT)
        .exclude(data__has_key="choice")
        .order_by("-sent_at", "-pk")[:1]
    ),
    int,
)


def order_page(sale: Sale) -> OrderPage:
    """What the customer's order page shows: a fixed handful of queries."""
    complaint = _OPEN_CASE.first(sale.pk)
    return OrderPage(
        sale=sale,
        pending_invitation=_PENDING.first(sale.pk, timezone.now()),
        open_complaint=complaint,
        case=complaint or _LAST_CASE.first(sale.pk),
        delay_notice=_delay_notice_pending(sale),
    )


def _delay_notice_pending(sale: Sale) -> Message | None:
    """The latest delay notice sent that the customer has not answered (the engine keeps the
    choice in its data["choice"]), while the parcel is still on its way."""
    delivery = getattr(sale, "delivery", None)
    if delivery is None or not delivery.is_open:
        return None
    return _DELAY_NOTICE.first(sale.pk)

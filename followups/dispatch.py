"""Sending: claim due outbox rows, check the send-time rules, send through anymail, record.

A row moves planned -> sending -> sent (or back to planned, or suppressed / cancelled / failed)
with conditional UPDATEs, so a retried task or a second worker never sends a row twice:

1. claim: in one short transaction, SELECT ... FOR UPDATE SKIP LOCKED the due rows and mark
   them `sending` with claimed_at (other workers skip them; on SQLite the IMMEDIATE transaction
   serialises claims instead);
2. render the mail (a survey's invitation is committed here, so its link works at once);
3. hand it to the ESP;
4. mark it `sent` with the mail as sent and the ESP's message id, in one transaction with its
   event and timeline entry.

The one window: a crash after the ESP accepted the mail (3) and before (4) commits. The row
stays `sending`; after SENDING_LEASE the recovery sweep returns it to `planned` and it is sent
again. The window is the length of one ESP call plus one commit (milliseconds), and it only bites
when the process dies inside it. A repeated mail keeps its Message-ID header and its links
(tokens are derived from the row, not drawn anew), so mailboxes that de-duplicate by Message-ID
show it once. Anything that dies before (3) loses nothing: the row is recovered and sent once.
"""

import datetime as dt
import hashlib
import hmac
import logging
import re
from base64 import urlsafe_b64encode
from contextlib import contextmanager

from anymail.exceptions import AnymailError
from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from customers.choices import TimelineKind
from customers.services import timeline_add
from followups import emails, policies
from followups.models import (
    OPTIONAL_CATEGORIES,
    Category,
    EventKind,
    FollowupRules,
    Message,
    MessageEvent,
    Reason,
    State,
)
from postsale.lib.tokens import token_hash

log = logging.getLogger(__name__)
BATCH = 100
MAX_ATTEMPTS = 5
SENDING_LEASE = dt.timedelta(seconds=getattr(settings, "FOLLOWUPS_SENDING_LEASE_SECONDS", 900))
TRANSIENT = (AnymailError, OSError)
BUDGETED = OPTIONAL_CATEGORIES  # what counts against the customer's contact budget
# Tokens in customers' links (/c/<page>/<token>/) are blanked in the copy kept on the row, so a
# copy of the database hands out no working link.
LINK_TOKEN = re.compile(r"(/c/[a-z]/)[A-Za-z0-9_\-]{16,}")


def redact(body: str) -> str:
    return LINK_TOKEN.sub(r"\1…", body)


@contextmanager
def quick_commits():
    """While a batch is processed, commits do not wait for PostgreSQL's WAL flush.

    Only a crash of the database server itself (not of a worker) within the WAL writer's delay
    (200 ms by default) could lose such a commit; for `sent` marks that widens the one window
    above by that much, in exchange for about twice the throughput.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO DEFAULT")


def message_token(message: Message) -> str:
    """The token in this message's links: derived from the row with the secret key, so a retried
    send carries the same links, and only its hash is stored."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"message:{message.pk}".encode(), hashlib.sha256).digest()
    return urlsafe_b64encode(digest[:24]).decode().rstrip("=")


# Any fixed number: the key of the advisory lock that makes claims take turns on PostgreSQL.
CLAIM_LOCK = 0x505354  # "PST"


def claim(*, now: dt.datetime, size: int = BATCH) -> list[int]:
    """Take up to `size` due rows for this worker: mark them `sending`.

    The contact budget (frequency cap, survey fatigue) is counted per customer from what was
    sent, so two batches must never check the same customer's non-transactional mail at once:
    each would count the other's mail as not sent yet. A non-transactional row is therefore not
    claimed while another of its customer's non-transactional rows is `sending` (taken by a batch
    still at work), and claims take turns (one short transaction each) so that two of them cannot
    both see "nobody is sending to this customer". Transactional mail is outside the budget and
    never waits for this.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":  # SQLite's IMMEDIATE transactions already take turns
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLAIM_LOCK])
        busy = Message.objects.filter(
            state=State.SENDING, customer_id=OuterRef("customer_id"), category__in=BUDGETED
        )
        ids = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(state=State.PLANNED, planned_at__lte=now)
            .exclude(Q(category__in=BUDGETED) & Exists(busy))
            .order_by("planned_at")
            .values_list("pk", flat=True)[:size]
        )
        Message.objects.filter(pk__in=ids, state=State.PLANNED).update(
            state=State.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    return ids


def dispatch_batch(*, now: dt.datetime | None = None, size: int = BATCH) -> int:
    """Claim one batch and process it; returns how many rows it took."""
    now = now or timezone.now()
    ids = claim(now=now, size=size)
    if ids:
        process(ids, now=now)
    return len(ids)


def dispatch_due(*, now: dt.datetime | None = None) -> int:
    """Process every due row, batch after batch (tests and the management command)."""
    total = 0
    while taken := dispatch_batch(now=now):
        total += taken
    return total


def process(ids: list[int], *, now: dt.datetime) -> None:
    rules = FollowupRules.current()
    messages = list(
        Message.objects.filter(pk__in=ids, state=State.SENDING)
        .select_related("customer", "sale", "sale__delivery", "complaint")
        .order_by("planned_at", "pk")
    )
    # Transactional first: the gap rule (policies.min_gap) then holds back the optional mail of
    # a customer who gets an order update in the same batch, never the update.
    messages.sort(key=lambda m: m.category != Category.TRANSACTIONAL)
    facts = policies.BatchFacts.load(messages, rules, now)
    overrides = emails.load_overrides()
    with get_connection() as esp, quick_commits():
        for message in messages:
            decision = policies.decide(message, facts, rules, now)
            if decision.action == "send":
                sent_at = send(message, connection=esp, now=now, overrides=overrides)
                if sent_at is not None:
                    facts.note_sent(message, sent_at)
            else:
                settle(message, decision, now=now)


def settle(message: Message, decision: policies.Decision, *, now: dt.datetime) -> None:
    """Record a rule's answer: deferred until a time, suppressed or cancelled with a reason."""
    with transaction.atomic():
        if decision.action == "defer":
            changed = Message.objects.filter(pk=message.pk, state=State.SENDING).update(
                state=State.PLANNED,
                planned_at=decision.until,
                deferred_until=decision.until,
                reason=decision.reason,
                attempts=F("attempts") - 1,
            )
        else:
            state = State.SUPPRESSED if decision.action == "suppress" else State.CANCELLED
            changed = Message.objects.filter(pk=message.pk, state=State.SENDING).update(
                state=state, reason=decision.reason, held_by=decision.held_by, deferred_until=None
            )
        if changed:
            MessageEvent.objects.create(
                message=message,
                event=decision.action,
                at=now,
                reason=decision.reason,
                until=decision.until,
                detail=decision.held_by,
            )


def send(message: Message, *, connection, now: dt.datetime, overrides=None) -> dt.datetime | None:
    """Render and hand one mail to the ESP; returns when it was handed over (None: not sent).

    `now` is the batch's claim time, seconds before a late mail of a large batch leaves: the
    sent time is read after the ESP accepted the mail.
    """
    token = message_token(message)
    try:
        rendered = _render(message, token, overrides)
    except Exception as exc:  # a template that cannot render will not render on retry either
        log.exception("message %s did not render", message.pk)
        fail(message, f"render: {exc}", now=now, retry=None)
        return None
    mail = emails.build(message, rendered, token)
    try:
        connection.send_messages([mail])
    except TRANSIENT as exc:
        log.warning("message %s: ESP error %s", message.pk, exc)
        fail(message, f"esp: {exc}", now=now, retry=True)
        return None
    sent_at = timezone.now()
    mark_sent(message, mail, rendered, token, now=sent_at)
    return sent_at


def _render(message: Message, token: str, overrides) -> emails.Rendered:
    """Render the mail. A survey's invitation (and its link) is committed before the mail goes
    out, so the link works from the first second; other kinds' links are derived from the row
    and need nothing stored until the mail is marked sent."""
    if message.kind not in policies.SURVEY_KINDS:
        return emails.render(message, token, overrides=overrides)
    with transaction.atomic():
        rendered = emails.render(message, token, overrides=overrides)
        Message.objects.filter(pk=message.pk).update(token_hash=token_hash(token))
    return rendered


def mark_sent(message: Message, mail, rendered: emails.Rendered, token: str, *, now: dt.datetime) -> None:
    """The row becomes `sent` with the mail as sent (link tokens blanked), its event and its
    timeline entry, in one transaction."""
    status = getattr(mail, "anymail_status", None)
    esp_id = str(status.message_id) if status and status.message_id is not None else ""
    with transaction.atomic():
        changed = Message.objects.filter(pk=message.pk, state=State.SENDING).update(
            state=State.SENT,
            sent_at=now,
            esp_message_id=esp_id[:200],
            reason="",
            last_error="",
            deferred_until=None,
            subject=rendered.subject[:300],
            text_body=redact(rendered.text),
            html_body=redact(rendered.html),
            to_email=message.customer.email,
            language=emails.language_of(message),
            token_hash=token_hash(token),
        )
        if not changed:
            return
        MessageEvent.objects.create(message=message, event=EventKind.SENT, at=now, detail=esp_id[:300])
        timeline_add(
            customer=message.customer,
            kind=TimelineKind.MESSAGE,
            at=now,
            sale=message.sale,
            complaint=message.complaint,
            event="message.sent",
            data={"message_id": message.pk, "message_kind": message.kind, "subject": rendered.subject[:300]},
        )


def fail(message: Message, error: str, *, now: dt.datetime, retry: bool) -> None:
    attempts = Message.objects.filter(pk=message.pk).values_list("attempts", flat=True).first() or 0
    again = retry and attempts < MAX_ATTEMPTS
    with transaction.atomic():
        Message.objects.filter(pk=message.pk, state=State.SENDING).update(
            state=State.PLANNED if again else State.FAILED,
            last_error=error[:2000],
            reason=Reason.RETRY if again else Reason.FAILED,
            deferred_until=None,
            planned_at=now + dt.timedelta(minutes=2**attempts) if again else F("planned_at"),
        )
        MessageEvent.objects.create(
            message=message, at=now, detail=error[:300], event=EventKind.RETRY if again else EventKind.FAILED
        )


def recover_stuck(*, now: dt.datetime | None = None) -> int:
    """Rows left `sending` by a worker that died: back to planned, to be sent once more."""
    now = now or timezone.now()
    with transaction.atomic():
        stuck = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(state=State.SENDING, claimed_at__lt=now - SENDING_LEASE)
            .values_list("pk", flat=True)[:1000]
        )
        Message.objects.filter(pk__in=stuck, state=State.SENDING).update(
            state=State.PLANNED, planned_at=now, reason=Reason.RECOVERED
        )
        MessageEvent.objects.bulk_create(
            MessageEvent(message_id=pk, event=EventKind.RECOVERED, at=now) for pk in stuck
        )
    return len(stuck)

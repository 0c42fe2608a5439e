"""Sending: claim due outbox rows, check the send-time rules, send through anymail, record.

A row moves planned -> sending -> sent (or back to planned, or suppressed / cancelled / failed)
with conditional UPDATEs, so a retried task or a second worker never sends a row twice:

1. claim: in one short transaction, SELECT ... FOR UPDATE SKIP LOCKED the due rows and mark
   them `sending` with claimed_at and their links' token hash (other workers skip them; on
   SQLite the IMMEDIATE transaction serialises claims instead);
2. render the mail (a survey's invitation is committed here, so its link works at once);
3. hand it to the ESP;
4. mark it accepted at once, in one single-statement commit: a `SendMark` row (when, the ESP's
   message id, the mail as sent), the outbox row still `sending`. On PostgreSQL it commits on
   a connection of the batch's own while the next mail renders (MarkWriter); the next mail goes
   to the ESP only once this mark is committed;
5. at the end of the batch, one transaction records the whole batch, set-based: the marked
   rows become `sent` with their marks' values (and the marks go), with their events and
   timeline entries (on PostgreSQL all of that in one statement, RECORD_SENT_SQL), and the
   rules' answers (deferred, suppressed, cancelled) are written with theirs.

The one window: a crash after the ESP accepted the mail (3) and before (4) commits. The row
stays `sending` without a mark; after SENDING_LEASE the recovery sweep returns it to `planned`
and it is sent again. The window is the length of one ESP call plus one commit (milliseconds),
and it only bites when the process dies inside it (a mark sent apart, step 4, is committed by
the server while the next mail renders: the window ends then, whenever the worker looks). A
repeated mail keeps its Message-ID header and its links (tokens are derived from the row, not
drawn anew), so mailboxes that de-duplicate by Message-ID show it once. Anything that dies
before (3) loses nothing: the row is recovered and sent once. A crash between (4) and (5) loses
nothing either: the recovery sweep finds those rows `sending` with a mark and completes them
(`sent`, event, timeline entry) without sending. Until (5) a mail the ESP accepted is `sending`
with a mark, and what reads sent mail reads the mark too: the contact budget
(policies.BatchFacts), its links (outbox.message_by_token) and ESP webhooks (by the message id
in the mail's metadata, or the mark's ESP id).

Why a mark and not the outbox row itself: the mark is an INSERT into a table whose only index is
its key, about a third of the cost of rewriting the outbox row and its dozen indexes, and the
row is rewritten once per batch in (5) anyway (bench/run.py's dispatch figures).
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
from customers.models import TimelineEntry
from customers.services import timeline_add_many
from followups import emails, policies
from followups.models import (
    OPTIONAL_CATEGORIES,
    Category,
    EventKind,
    FollowupRules,
    Message,
    MessageEvent,
    Reason,
    SendMark,
    State,
)
from postsale.lib.lookups import ids_in
from postsale.lib.tokens import token_hash

log = logging.getLogger(__name__)
BATCH = 300
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

    Not behind PgBouncer in transaction pooling (DATABASE_POOLER=pgbouncer): a session's SET
    would stay on a server connection that other clients' transactions then use.
    """
    if connection.vendor != "postgresql" or behind_pooler():
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
    return _token_of_pk(message.pk)


def _token_of_pk(pk: int) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"message:{pk}".encode(), hashlib.sha256).digest()
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
        # The links' token hash goes in with the claim (the row is rewritten here anyway), so
        # a link works from the moment its mail leaves.
        if ids:
            _mark_claimed(ids, now)
    return ids


# Raw SQL: the ORM's Case(When(...)) for a batch's token hashes took longer to build in Python
# than the UPDATE takes to run. The rows come by key from a VALUES list: a `state = 'planned'`
# here let PostgreSQL plan from the state index instead (its statistics can put the planned rows
# at one), reading every planned row to find the batch's (45 ms a batch at a million). The
# claim's SELECT ... FOR UPDATE holds these rows, `planned`, until this transaction ends.
CLAIM_SQL = f"""WITH claimed (id, token_hash) AS (VALUES {{values}})
UPDATE {Message._meta.db_table} SET state = %s, claimed_at = %s, attempts = attempts + 1,
    token_hash = claimed.token_hash
FROM claimed WHERE {Message._meta.db_table}.id = claimed.id"""  # noqa: S608 - the table name from the model


def _mark_claimed(ids: list[int], now: dt.datetime) -> None:
    sql = CLAIM_SQL.format(values=", ".join(["(%s, %s)"] * len(ids)))
    params = []
    for pk in ids:
        params += [pk, token_hash_of(pk)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, State.SENDING, connection.ops.adapt_datetimefield_value(now)])


def token_hash_of(pk: int) -> str:
    return token_hash(_token_of_pk(pk))


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


class MarkWriter:
    """Step 4's marks. On PostgreSQL each is sent, without waiting, on a connection of the
    batch's own in asynchronous mode (psycopg2's; autocommit, so one statement is one commit),
    and the batch renders its next mail while the database commits it: the round trip, most of
    a mail's database time, overlaps with rendering instead of adding to it.

    At most one mark is ever in flight: `wait()`, called before each hand-off to the ESP,
    returns once the previous mail's mark is committed (or raises its error). So the window
    stays what it was, one mail per process between the ESP's acceptance and its mark.

    On SQLite, and when the caller holds a transaction (whose rows another connection cannot
    see), each mark is written at once on the caller's connection instead; so it is when the
    second connection cannot be opened (a server out of connection slots): a sending worker
    holds two connections meanwhile.
    """

    def __init__(self):
        self.apart = connection.vendor == "postgresql" and not connection.in_atomic_block
        self._conn = self._cursor = None  # asynchronous, opened with the first mark
        self._pending: tuple | None = None  # the entry of the mark in flight
        self.done: list[tuple] = []  # the entries of marks known committed, in sending order

    def write(self, values: list, entry: tuple) -> None:
        self.wait()
        if not self.apart:
            with connection.cursor() as cursor:
                cursor.execute(MARK_ACCEPTED_SQL, values)
            self.done.append(entry)
            return
        if self._conn is None:
            try:
                self._conn = _async_connection()
            except Exception as exc:  # noqa: BLE001 - e.g. no connection slot left: marks in line
                log.warning("marks written in line: no connection of their own (%s)", exc)
                self.apart = False
                self.write(values, entry)
                return
            self._cursor = self._conn.cursor()  # kept: psycopg2 drops a query whose cursor goes
        self._cursor.execute(MARK_ACCEPTED_SQL, values)  # sent; not waited for
        self._pending = entry

    def wait(self) -> None:
        if self._pending is not None:
            entry, self._pending = self._pending, None
            _wait(self._conn)  # raises the mark's own error, if it could not be written
            self.done.append(entry)

    def close(self) -> None:
        try:
            self.wait()
        finally:
            if self._conn is not None:
                self._conn.close()
                self._conn = self._cursor = None


def behind_pooler() -> bool:
    return getattr(settings, "DATABASE_POOLER", "") == "pgbouncer"


def _async_connection():
    """A connection like the caller's (same database, user, options), in asynchronous mode, with
    quick commits as quick_commits() sets them (from its start, not by a SET, and not behind
    PgBouncer, which passes no such option on)."""
    import psycopg2

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    if not behind_pooler():
        params["options"] = f"{params.get('options', '')} -c synchronous_commit=off".strip()
    conn = psycopg2.connect(**params, async_=True)
    _wait(conn)
    return conn


def _wait(conn) -> None:
    from psycopg2.extras import wait_select

    wait_select(conn)


class BatchRecord:
    """What a batch did, written in one transaction at its end (step 5): a handful of
    set-based statements for the whole batch, not a transaction per mail."""

    def __init__(self):
        self.marks = MarkWriter()
        self.settled: list[tuple[Message, policies.Decision]] = []

    @property
    def sent(self) -> list[tuple[Message, str, dt.datetime, str]]:
        """Mails whose marks are committed: message, ESP id, sent at, subject."""
        return self.marks.done

    def close(self) -> None:
        """Waits for the last mark and closes the marks' connection; then the record can be
        written."""
        self.marks.close()

    def write(self, *, now: dt.datetime) -> None:
        self.marks.wait()
        if not (self.sent or self.settled):
            return
        with transaction.atomic():
            if self.sent:
                record_sent(self.sent)
            if self.settled:
                self._write_settled(now)

    def _write_settled(self, now: dt.datetime) -> None:
        # Locked so that a recovery sweep cannot take the same rows meanwhile.
        mine = set(
            Message.objects.select_for_update()
            .filter(pk__in=[m.pk for m, _ in self.settled], state=State.SENDING)
            .values_list("pk", flat=True)
        )
        settled = [(m, d) for m, d in self.settled if m.pk in mine]
        _settle_all(settled)
        MessageEvent.objects.bulk_create(
            MessageEvent(message=m, event=d.action, at=now, reason=d.reason, until=d.until, detail=d.held_by)
            for m, d in settled
        )


def record_sent(sent: list[tuple[Message, str, dt.datetime, str]]) -> None:
    """Step 5 for mails with marks (inside the caller's transaction), those still `sending`
    only: each row `sent` from its mark, its event and its customer's timeline entry, the marks
    gone. On PostgreSQL one statement; on SQLite (no writes in a WITH) a few."""
    if not sent:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                RECORD_SENT_SQL,
                [State.SENT, [m.pk for m, *_ in sent], State.SENDING, EventKind.SENT, TimelineKind.MESSAGE],
            )
        return
    mine = set(
        Message.objects.select_for_update()
        .filter(pk__in=[m.pk for m, *_ in sent], state=State.SENDING)
        .values_list("pk", flat=True)
    )
    sent = [row for row in sent if row[0].pk in mine]
    apply_marks([m.pk for m, *_ in sent])
    MessageEvent.objects.bulk_create(
        MessageEvent(message=m, event=EventKind.SENT, at=at, detail=esp_id[:300]) for m, esp_id, at, _ in sent
    )
    timeline_add_many([_timeline_entry(m, at, subject) for m, _, at, subject in sent if not m.for_staff])


MESSAGE_TABLE = Message._meta.db_table
MARK_TABLE = SendMark._meta.db_table
# One statement for a batch: each marked row becomes `sent` with its mark's values.
APPLY_MARKS_SQL = f"""UPDATE {MESSAGE_TABLE} SET
    state = %s, sent_at = m.accepted_at, esp_message_id = m.esp_message_id, reason = '',
    last_error = '', deferred_until = NULL, subject = m.subject, text_body = m.text_body,
    html_body = m.html_body, to_email = m.to_email, language = m.language
FROM {MARK_TABLE} AS m
WHERE {MESSAGE_TABLE}.id = m.message_id AND {MESSAGE_TABLE}.id IN ({{ids}})"""  # noqa: S608 - names from the models


EVENT_TABLE = MessageEvent._meta.db_table
TIMELINE_TABLE = TimelineEntry._meta.db_table
# Step 5 for a batch's sent mails on PostgreSQL, in one round trip: the UPDATE takes only rows
# still `sending` (and locks them, so a recovery sweep at work on the same rows waits, then
# finds them sent), and the events, timeline entries and the marks' removal follow from what
# it took. The entries are what _timeline_entry() builds; staff mail (no customer) has none.
RECORD_SENT_SQL = f"""WITH applied AS (
    UPDATE {MESSAGE_TABLE} AS o SET
        state = %s, sent_at = m.accepted_at, esp_message_id = m.esp_message_id, reason = '',
        last_error = '', deferred_until = NULL, subject = m.subject, text_body = m.text_body,
        html_body = m.html_body, to_email = m.to_email, language = m.language
    FROM {MARK_TABLE} AS m
    WHERE o.id = m.message_id AND o.id = ANY(%s) AND o.state = %s
    RETURNING o.id, o.kind, o.customer_id, o.sale_id, o.complaint_id, m.accepted_at,
        m.esp_message_id, m.subject
), events AS (
    INSERT INTO {EVENT_TABLE} (message_id, event, at, reason, until, soft, detail, data)
    SELECT id, %s, accepted_at, '', NULL, false, left(esp_message_id, 300), '{{}}'::jsonb
    FROM applied
), entries AS (
    INSERT INTO {TIMELINE_TABLE}
        (customer_id, at, kind, event, summary, body, sale_id, complaint_id, data)
    SELECT customer_id, accepted_at, %s, 'message.sent', '', '', sale_id, complaint_id,
        jsonb_build_object('message_id', id, 'message_kind', kind, 'subject', left(subject, 300))
    FROM applied WHERE customer_id IS NOT NULL
)
DELETE FROM {MARK_TABLE} WHERE message_id IN (SELECT id FROM applied)"""  # noqa: S608 - names from the models


def apply_marks(ids: list[int]) -> None:
    """Step 5 for these rows (inside the caller's transaction): their marks onto the outbox rows,
    and the marks gone."""
    if not ids:
        return
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(APPLY_MARKS_SQL.format(ids=placeholders), [State.SENT, *ids])
    SendMark.objects.filter(message_id__in=ids).delete()


def _timeline_entry(message: Message, at: dt.datetime, subject: str) -> TimelineEntry:
    return TimelineEntry(
        customer_id=message.customer_id,
        kind=TimelineKind.MESSAGE,
        at=at,
        sale_id=message.sale_id,
        complaint_id=message.complaint_id,
        event="message.sent",
        data={"message_id": message.pk, "message_kind": message.kind, "subject": subject[:300]},
    )


def _settle_all(settled: list[tuple[Message, policies.Decision]]) -> None:
    """The rules' answers, one UPDATE per distinct answer (a batch has few: the same quiet
    hours, the same reasons)."""
    groups: dict[tuple, list[int]] = {}
    for message, decision in settled:
        key = (decision.action, decision.reason, decision.until, decision.held_by)
        groups.setdefault(key, []).append(message.pk)
    for (action, reason, until, held_by), ids in groups.items():
        rows = Message.objects.filter(pk__in=ids, state=State.SENDING)
        if action == "defer":
            rows.update(
                state=State.PLANNED,
                planned_at=until,
                deferred_until=until,
                reason=reason,
                attempts=F("attempts") - 1,
            )
        else:
            state = State.SUPPRESSED if action == "suppress" else State.CANCELLED
            rows.update(state=state, reason=reason, held_by=held_by, deferred_until=None)


def process(ids: list[int], *, now: dt.datetime) -> None:
    rules = FollowupRules.current()
    messages = list(
        Message.objects.filter(ids_in("pk", ids), state=State.SENDING)
        .select_related("customer", "staff_recipient", "sale", "sale__delivery", "complaint")
        .order_by("planned_at", "pk")
    )
    # Transactional first: the gap rule (policies.min_gap) then holds back the optional mail of
    # a customer who gets an order update in the same batch, never the update.
    messages.sort(key=lambda m: m.category != Category.TRANSACTIONAL)
    facts = policies.BatchFacts.load(messages, rules, now)
    overrides = emails.load_overrides()
    own_renders: dict = {}  # staff mail rendered once per batch for the same data and language
    record = BatchRecord()
    with get_connection() as esp, quick_commits():
        try:
            for message in messages:
                decision = policies.decide(message, facts, rules, now)
                if decision.action == "send":
                    sent_at = send(
                        message,
                        connection=esp,
                        now=now,
                        overrides=overrides,
                        record=record,
                        own_renders=own_renders,
                    )
                    if sent_at is not None:
                        facts.note_sent(message, sent_at)
                else:
                    record.settled.append((message, decision))
        finally:
            # Also when a mail raised something unexpected: what went out is recorded.
            try:
                record.close()
            finally:
                record.write(now=now)


def send(
    message: Message,
    *,
    connection,
    now: dt.datetime,
    record: BatchRecord,
    overrides=None,
    own_renders: dict | None = None,
) -> dt.datetime | None:
    """Render and hand one mail to the ESP; returns when it was handed over (None: not sent).

    `now` is the batch's claim time, seconds before a late mail of a large batch leaves: the
    sent time is read after the ESP accepted the mail; the batch's `record` takes the rest.
    """
    token = message_token(message)
    try:
        rendered = _render(message, token, overrides, own_renders)
    except Exception as exc:  # a template that cannot render will not render on retry either
        log.exception("message %s did not render", message.pk)
        fail(message, f"render: {exc}", now=now, retry=None)
        return None
    mail = emails.build(message, rendered, token)
    record.marks.wait()  # the previous mail's mark is committed before this one leaves
    try:
        connection.send_messages([mail])
    except TRANSIENT as exc:
        log.warning("message %s: ESP error %s", message.pk, exc)
        fail(message, f"esp: {exc}", now=now, retry=True)
        return None
    sent_at = timezone.now()
    mark_accepted(message, mail, rendered, token, now=sent_at, record=record)
    return sent_at


def _render(message: Message, token: str, overrides, own_renders=None) -> emails.Rendered:
    """Render the mail. A survey's invitation (and its link) is committed before the mail goes
    out, so the link works from the first second; other kinds' links are derived from the row
    and need nothing stored until the mail is marked sent."""
    if message.kind not in policies.SURVEY_KINDS:
        return emails.render(message, token, overrides=overrides, cache=own_renders)
    with transaction.atomic():
        return emails.render(message, token, overrides=overrides)


MARK_ACCEPTED_SQL = f"""INSERT INTO {SendMark._meta.db_table}
    (message_id, accepted_at, esp_message_id, to_email, language, subject, text_body, html_body)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (message_id) DO UPDATE SET accepted_at = excluded.accepted_at,
    esp_message_id = excluded.esp_message_id, to_email = excluded.to_email,
    language = excluded.language, subject = excluded.subject, text_body = excluded.text_body,
    html_body = excluded.html_body"""  # noqa: S608 - the table name from the model


def mark_accepted(
    message: Message, mail, rendered: emails.Rendered, token: str, *, now: dt.datetime, record: BatchRecord
) -> None:
    """Step 4: the ESP has the mail. One INSERT of its SendMark, committed at once (outside any
    transaction of ours; by the batch's MarkWriter, whose commit overlaps with the next mail's
    render): when, the ESP's id and the mail as sent (link tokens blanked). The row
    stays `sending` until the batch's record (step 5) makes it `sent` from the mark. A mark left
    by an earlier attempt of the same row (its worker died, the row was sent again) is replaced."""
    status = getattr(mail, "anymail_status", None)
    esp_id = str(status.message_id) if status and status.message_id is not None else ""
    values = [
        message.pk,
        connection.ops.adapt_datetimefield_value(now),  # as the ORM stores it (SQLite: UTC text)
        esp_id[:200],
        message.recipient_email,
        emails.language_of(message),
        rendered.subject[:300],
        redact(rendered.text),
        redact(rendered.html),
    ]
    record.marks.write(values, (message, esp_id, now, rendered.subject))


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
    """Rows left `sending` by a worker that died. Those the ESP had accepted (a mark, step 4
    done; or sent_at, as rows marked before marks had their own table) are completed as sent,
    with their event and timeline entry, and not sent again; the others go back to planned, to
    be sent once more."""
    now = now or timezone.now()
    with transaction.atomic():
        stuck = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(state=State.SENDING, claimed_at__lt=now - SENDING_LEASE)
            .only(
                "pk",
                "kind",
                "customer_id",
                "staff_recipient_id",
                "sale_id",
                "complaint_id",
                "sent_at",
                "subject",
                "esp_message_id",
            )
            .order_by()[:1000]
        )
        marks = {
            mark.message_id: mark
            for mark in SendMark.objects.filter(message_id__in=[m.pk for m in stuck]).only(
                "message_id", "accepted_at", "esp_message_id", "subject"
            )
        }
        # Marked rows are completed as a batch's record completes them; legacy rows by hand.
        record_sent(
            [
                (m, mark.esp_message_id, mark.accepted_at, mark.subject)
                for m in stuck
                if (mark := marks.get(m.pk))
            ]
        )
        legacy = [m for m in stuck if m.pk not in marks and m.sent_at is not None]
        again = [m.pk for m in stuck if m.pk not in marks and m.sent_at is None]
        Message.objects.filter(pk__in=again, state=State.SENDING).update(
            state=State.PLANNED, planned_at=now, reason=Reason.RECOVERED
        )
        Message.objects.filter(pk__in=[m.pk for m in legacy]).update(state=State.SENT)
        MessageEvent.objects.bulk_create(
            [MessageEvent(message_id=pk, event=EventKind.RECOVERED, at=now) for pk in again]
            + [
                MessageEvent(message=m, event=EventKind.SENT, at=m.sent_at, detail=m.esp_message_id[:300])
                for m in legacy
            ]
        )
        timeline_add_many([_timeline_entry(m, m.sent_at, m.subject) for m in legacy if not m.for_staff])
        # Marks of rows no longer `sending`: a worker that outlived its lease marked a row the
        # sweep had already sent back to planned, or the row is gone. Every batch reads the
        # marks, so none is left to pile up.
        SendMark.objects.exclude(message__state=State.SENDING).delete()
    return len(stuck)

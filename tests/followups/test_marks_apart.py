"""On PostgreSQL a batch commits each mail's mark on a connection of its own while the next mail
renders (followups.dispatch.MarkWriter), and records its sent mails in one statement. The
guarantee is the same as marking in line: no mail leaves while an earlier one's mark is not
committed, so at most one mail a process is between the ESP's acceptance and its mark."""

import datetime as dt

import pytest
from anymail.backends.test import EmailBackend
from django.core.mail import get_connection
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.choices import TimelineKind
from customers.models import TimelineEntry
from followups import dispatch
from followups.models import EventKind, Message, MessageEvent, SendMark, State
from tests.services import require_postgres

# The batch's own connection sees commits only: no test transaction around these.
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


class WatchingESP(EmailBackend):
    """anymail's test backend, noting at each hand-off how many marks the database has
    committed and how many mails this ESP had accepted before it."""

    seen: list[tuple[int, int]] = []
    accepted = 0

    def post_to_esp(self, payload, message):
        WatchingESP.seen.append((WatchingESP.accepted, committed_marks()))
        response = super().post_to_esp(payload, message)
        WatchingESP.accepted += 1
        return response


def committed_marks() -> int:
    # This test's connection is in autocommit: it sees what the marks' connection committed.
    # Marks go at the batch's end, so sent rows count as marked too.
    return SendMark.objects.count() + Message.objects.filter(state=State.SENT).count()


@pytest.fixture
def watched(settings, outbox_mail):
    require_postgres()
    settings.EMAIL_BACKEND = "tests.followups.test_marks_apart.WatchingESP"
    WatchingESP.seen, WatchingESP.accepted = [], 0
    return WatchingESP


@pytest.fixture
def slow_marks(watched):
    """Each mark takes 30 ms to commit, far longer than the next mail takes to render: a mail
    handed over before the previous mark was waited for would find it missing."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_slow_mark() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM pg_sleep(0.03); RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER test_slow_mark BEFORE INSERT ON followups_sendmark "
            "FOR EACH ROW EXECUTE FUNCTION test_slow_mark()"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_slow_mark ON followups_sendmark")
        cursor.execute("DROP FUNCTION test_slow_mark()")


def planned(shop, n: int) -> list[Message]:
    for _ in range(n):
        shop.sale(delivery={"promised_date": timezone.localdate() + dt.timedelta(days=3)})
    return list(Message.objects.filter(state=State.PLANNED, kind="thank_you"))


def test_no_mail_leaves_before_the_previous_mails_mark_is_committed(shop, watched, slow_marks):
    messages = planned(shop, 12)
    assert not connection.in_atomic_block, "the batch must be free to use a connection of its own"
    with CaptureQueriesContext(connection) as ctx:
        assert dispatch.dispatch_batch() == len(messages)
    marks_here = [q for q in ctx.captured_queries if "INSERT INTO followups_sendmark" in q["sql"]]
    assert marks_here == [], "the marks went on the batch's own connection, not this one"
    assert len(watched.seen) == len(messages)
    for accepted_before, marked in watched.seen:
        assert marked >= accepted_before, "a mail left while an earlier one had no committed mark"
    assert Message.objects.filter(state=State.SENT).count() == len(messages)
    assert not SendMark.objects.exists(), "the batch's record took its marks"


def test_the_one_statement_record_writes_what_the_orm_record_writes(shop, watched):
    messages = planned(shop, 5)
    with CaptureQueriesContext(connection) as ctx:
        dispatch.dispatch_batch()
    records = [q for q in ctx.captured_queries if q["sql"].startswith("WITH applied AS")]
    assert len(records) == 1, "the sent mails are recorded in one statement"
    for message in messages:
        message.refresh_from_db()
        assert message.state == State.SENT and message.sent_at is not None
        assert message.subject and message.html_body and message.to_email == message.customer.email
        (event,) = MessageEvent.objects.filter(message=message)
        expected_event = (EventKind.SENT, message.sent_at, message.esp_message_id)
        assert (event.event, event.at, event.detail) == expected_event
        assert event.reason == "" and event.until is None and event.data == {} and not event.soft
        (entry,) = TimelineEntry.objects.filter(customer=message.customer, kind=TimelineKind.MESSAGE)
        expected = dispatch._timeline_entry(message, message.sent_at, message.subject)
        assert (entry.at, entry.event, entry.data) == (expected.at, expected.event, expected.data)
        assert (entry.sale_id, entry.complaint_id) == (message.sale_id, None)
        assert message.subject in entry.text


def test_a_row_the_recovery_sweep_took_meanwhile_is_not_recorded_twice(shop, watched):
    (message,) = planned(shop, 1)
    record = dispatch.BatchRecord()
    ids = dispatch.claim(now=timezone.now())
    claimed = Message.objects.select_related("customer", "sale").get(pk__in=ids)
    with get_connection() as esp:
        dispatch.send(claimed, connection=esp, now=timezone.now(), record=record)
    record.close()
    assert SendMark.objects.filter(message=message).exists()
    later = timezone.now() + dispatch.SENDING_LEASE + dt.timedelta(seconds=1)
    assert dispatch.recover_stuck(now=later) == 1  # completes it from its mark
    record.write(now=timezone.now())  # the slow batch's record comes after
    assert MessageEvent.objects.filter(message=message, event=EventKind.SENT).count() == 1
    assert TimelineEntry.objects.filter(customer=message.customer, kind=TimelineKind.MESSAGE).count() == 1


def session_setting(conn, name: str) -> str:
    cursor = conn.cursor()
    cursor.execute(f"SHOW {name}")
    dispatch._wait(conn)
    return cursor.fetchone()[0]


def test_the_marks_connection_commits_quickly_except_behind_pgbouncer(settings):
    require_postgres()
    conn = dispatch._async_connection()
    try:
        assert session_setting(conn, "synchronous_commit") == "off"
        assert session_setting(conn, "plan_cache_mode") == "force_generic_plan", "the caller's options"
    finally:
        conn.close()
    settings.DATABASE_POOLER = "pgbouncer"
    conn = dispatch._async_connection()
    try:
        assert session_setting(conn, "synchronous_commit") == "on"
    finally:
        conn.close()


def test_quick_commits_set_nothing_on_a_pooled_session(settings):
    require_postgres()
    with connection.cursor() as cursor:
        with dispatch.quick_commits():
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "off"
        settings.DATABASE_POOLER = "pgbouncer"
        with dispatch.quick_commits():
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on", "a SET would outlive the transaction on a shared connection"


def test_without_a_second_connection_the_marks_are_written_in_line(shop, watched, caplog):
    messages = planned(shop, 3)
    params = connection.settings_dict
    saved = params["PORT"]
    params["PORT"] = "1"  # nothing listens there: the marks' own connection cannot open
    try:
        with CaptureQueriesContext(connection) as ctx:
            assert dispatch.dispatch_batch() == len(messages)
    finally:
        params["PORT"] = saved
    marks_here = [q for q in ctx.captured_queries if "INSERT INTO followups_sendmark" in q["sql"]]
    assert len(marks_here) == len(messages), "each mark on the batch's connection, in line"
    assert "marks written in line" in caplog.text
    assert Message.objects.filter(state=State.SENT).count() == len(messages)
    assert not SendMark.objects.exists()

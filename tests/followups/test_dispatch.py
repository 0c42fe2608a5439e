"""The send step: at most once, fully rendered, retried on ESP errors, recovered after a crash."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from anymail.exceptions import AnymailAPIError

from customers.choices import TimelineKind
from followups import dispatch
from followups.models import Kind, Message, MessageEvent, SendMark, State
from followups.outbox import message_by_token
from postsale.lib.tokens import token_hash

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=MADRID)
pytestmark = pytest.mark.usefixtures("outbox_mail")


@pytest.fixture(autouse=True)
def frozen_noon():
    with time_machine.travel(NOON, tick=False):
        yield


def thank_you(shop, **customer):
    shop.sale(shop.customer(**customer), delivery={"promised_date": dt.date(2026, 3, 13)})
    return Message.objects.get(kind=Kind.THANK_YOU, state=State.PLANNED)


def test_a_thank_you_is_sent_once_with_text_html_and_headers(shop, outbox_mail, settings):
    message = thank_you(shop)
    assert dispatch.dispatch_due() == 1
    assert dispatch.dispatch_due() == 0
    (mail,) = outbox_mail
    message.refresh_from_db()
    assert message.state == State.SENT and message.sent_at == NOON
    assert "Gracias por tu compra" in mail.body and message.sale.external_id in mail.subject
    html, mime = mail.alternatives[0]
    assert mime == "text/html" and "Ver mi pedido" in html
    token = dispatch.message_token(message)
    assert message.token_hash == token_hash(token) and token not in str(Message.objects.values())
    assert mail.extra_headers["List-Unsubscribe"] == f"<{settings.SITE_URL}/c/u/{token}/>"
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.extra_headers["Message-ID"] == f"<postsale-{message.pk}@127.0.0.1>"
    assert mail.reply_to == [settings.SUPPORT_REPLY_TO]
    assert f"/c/o/{token}/" in mail.body  # the order page
    assert MessageEvent.objects.filter(message=message, event="sent").count() == 1
    assert message.customer.timeline.filter(kind=TimelineKind.MESSAGE).count() == 1


def test_the_mail_speaks_the_customers_language(shop, outbox_mail):
    thank_you(shop, language="en", name="John Smith")
    dispatch.dispatch_due()
    assert outbox_mail[0].subject.startswith("Thank you for your order")
    assert "Hi John," in outbox_mail[0].body


def test_a_claimed_row_is_not_claimed_again(shop):
    message = thank_you(shop)
    assert dispatch.claim(now=NOON) == [message.pk]
    assert dispatch.claim(now=NOON) == []
    message.refresh_from_db()
    assert message.state == State.SENDING and message.attempts == 1


def test_a_retry_sends_the_same_links_and_message_id(shop, outbox_mail):
    message = thank_you(shop)
    token = dispatch.message_token(message)
    dispatch.recover_stuck(now=NOON)  # nothing stuck yet
    assert dispatch.message_token(Message.objects.get(pk=message.pk)) == token


def test_an_esp_error_plans_a_retry_with_backoff_then_fails(shop, outbox_mail, monkeypatch):
    message = thank_you(shop)
    from anymail.backends.test import EmailBackend

    def refuse(self, payload, msg):
        raise AnymailAPIError("ESP is down")

    monkeypatch.setattr(EmailBackend, "post_to_esp", refuse)
    dispatch.dispatch_due()
    message.refresh_from_db()
    assert message.state == State.PLANNED and message.reason == "retry"
    assert message.planned_at == NOON + dt.timedelta(minutes=2) and "ESP is down" in message.last_error
    for minutes in (4, 8, 16, 32):
        with time_machine.travel(NOON + dt.timedelta(minutes=minutes + 40), tick=False):
            dispatch.dispatch_due()
    message.refresh_from_db()
    assert message.state == State.FAILED and message.attempts == dispatch.MAX_ATTEMPTS
    assert outbox_mail == []


def test_a_row_left_sending_by_a_dead_worker_is_recovered_and_sent_once(shop, outbox_mail):
    message = thank_you(shop)
    dispatch.claim(now=NOON)  # the worker dies here
    assert dispatch.recover_stuck(now=NOON + dispatch.SENDING_LEASE / 2) == 0
    later = NOON + dispatch.SENDING_LEASE + dt.timedelta(seconds=1)
    assert dispatch.recover_stuck(now=later) == 1
    with time_machine.travel(later, tick=False):
        dispatch.dispatch_due()
    message.refresh_from_db()
    assert message.state == State.SENT and len(outbox_mail) == 1
    assert list(message.events.values_list("event", flat=True)) == ["recovered", "sent"]


def test_a_broken_override_fails_the_row_without_retrying(shop, outbox_mail):
    from followups.models import MessageTemplate

    MessageTemplate.objects.create(
        kind=Kind.THANK_YOU, language="es", subject="Hola", text_body="{% include 'no/such/template.txt' %}"
    )
    message = thank_you(shop)
    dispatch.dispatch_due()
    message.refresh_from_db()
    assert message.state == State.FAILED and message.last_error.startswith("render:")


def test_a_managers_override_is_what_gets_sent(shop, outbox_mail):
    from followups.models import MessageTemplate

    MessageTemplate.objects.create(
        kind=Kind.THANK_YOU,
        language="es",
        subject="Gracias, {{ first_name }}",
        text_body="Tu pedido {{ sale.external_id }} ya está en marcha.",
    )
    thank_you(shop, name="Lucía Gómez")
    dispatch.dispatch_due()
    mail = outbox_mail[0]
    assert mail.subject == "Gracias, Lucía"
    assert "ya está en marcha" in mail.body and "/c/u/" in mail.body  # footer kept
    assert "ya está en marcha" in mail.alternatives[0][0]


def test_dispatch_queries_do_not_grow_with_the_batch(shop, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run(n):
        for _ in range(n):
            shop.sale(delivery={"promised_date": dt.date(2026, 3, 13)})
        with CaptureQueriesContext(connection) as ctx:
            dispatch.dispatch_batch()
        return len(ctx)

    small, large = run(2), run(20)
    per_message = (large - small) / 18
    assert per_message <= 12, f"{per_message:.1f} queries per message"


def test_a_worker_dead_after_the_esp_took_the_mail_is_completed_not_sent_again(shop, outbox_mail):
    from django.core.mail import get_connection

    message = thank_you(shop)
    dispatch.claim(now=NOON)
    claimed = Message.objects.select_related("customer", "sale", "complaint").get(pk=message.pk)
    with get_connection() as esp:
        # steps 3 and 4 for this mail; the worker dies before its batch is recorded (step 5)
        dispatch.send(claimed, connection=esp, now=NOON, record=dispatch.BatchRecord())
    message.refresh_from_db()
    assert message.state == State.SENDING and message.sent_at is None and len(outbox_mail) == 1
    mark = SendMark.objects.get(message=message)
    assert (mark.accepted_at, mark.to_email) == (NOON, message.customer.email)
    assert mark.subject and mark.text_body and mark.html_body
    assert message.token_hash == token_hash(dispatch.message_token(message))
    linked = message_by_token(message.token_hash)
    assert linked == message and linked.sent_at == NOON, "its links work at once"

    later = NOON + dispatch.SENDING_LEASE + dt.timedelta(seconds=1)
    assert dispatch.recover_stuck(now=later) == 1
    with time_machine.travel(later, tick=False):
        assert dispatch.dispatch_due() == 0

    message.refresh_from_db()
    assert message.state == State.SENT and message.sent_at == NOON and len(outbox_mail) == 1
    assert (message.subject, message.text_body) == (mark.subject, mark.text_body), "the copy as sent"
    assert not SendMark.objects.exists()
    assert list(message.events.values_list("event", "at")) == [("sent", NOON)]
    (entry,) = message.customer.timeline.filter(kind=TimelineKind.MESSAGE)
    assert entry.at == NOON and message.subject in entry.text and entry.data["message_id"] == message.pk


def test_a_batch_is_one_statement_per_mail_and_a_few_for_the_batch(shop):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run(n):
        for _ in range(n):
            shop.sale(delivery={"promised_date": dt.date(2026, 3, 13)})
        with CaptureQueriesContext(connection) as ctx:
            assert dispatch.dispatch_batch() == n
        return ctx.captured_queries

    small, large = run(2), run(20)
    marks = [q for q in large if q["sql"].startswith("INSERT INTO followups_sendmark")]
    assert len(marks) == 20, "one INSERT per mail: the mark that it was accepted"
    # Both are a WITH's UPDATE: the claim's from its VALUES list; on PostgreSQL the record's is
    # inside the one statement that records the sent mails.
    rewrites = [q for q in large if "UPDATE followups_message " in q["sql"]]
    assert len(rewrites) == 2, "the outbox rows are rewritten twice a batch: claimed, then sent"
    assert len(large) - len(small) == 18, "everything else is per batch"
    assert MessageEvent.objects.filter(event="sent").count() == 22
    assert not SendMark.objects.exists(), "the batch's record took its marks"


def test_a_mail_the_esp_has_but_its_batch_has_not_recorded_counts_as_sent_for_other_batches(shop, rules):
    """Another worker's batch is at work: its mails are marked (step 4), not recorded (step 5).
    A second batch with an optional mail for the same customer must see them, as it sees sent
    mail: the gap after any mail, and the frequency cap of the optional ones."""
    from django.core.mail import get_connection

    from followups import policies

    rules.min_gap_minutes, rules.frequency_cap = 60, 1
    rules.save()
    message = thank_you(shop)
    dispatch.claim(now=NOON)
    claimed = Message.objects.select_related("customer", "sale", "complaint").get(pk=message.pk)
    with get_connection() as esp:
        dispatch.send(claimed, connection=esp, now=NOON, record=dispatch.BatchRecord())
    assert SendMark.objects.filter(message=message).exists()
    tip = Message.objects.create(
        kind=Kind.USAGE_TIPS,
        category="relationship",
        customer=message.customer,
        dedupe_key="tip-after-the-thank-you",
        planned_at=NOON,
        expires_at=NOON + dt.timedelta(days=3),
    )

    facts = policies.BatchFacts.load([tip], rules, NOON + dt.timedelta(minutes=1))

    assert facts.last_sent[message.customer_id] == NOON
    assert facts.recent.get(message.customer_id) is None, "an order update is outside the cap"
    decision = policies.decide(tip, facts, rules, NOON + dt.timedelta(minutes=1))
    assert (decision.action, decision.reason) == ("defer", "min_gap")

    # Marked optional mail counts against the cap too.
    Message.objects.filter(pk=message.pk).update(category="relationship")
    facts = policies.BatchFacts.load([tip], rules, NOON + dt.timedelta(minutes=1))
    assert facts.recent[message.customer_id] == [NOON]


def test_the_recovery_sweep_completes_marked_rows_and_replans_unmarked_ones(shop, outbox_mail):
    from django.core.mail import get_connection

    first, second = thank_you(shop), None
    shop.sale(shop.customer(name="Luis Gómez"), delivery={"promised_date": dt.date(2026, 3, 13)})
    second = Message.objects.exclude(pk=first.pk).get(kind=Kind.THANK_YOU, state=State.PLANNED)
    dispatch.claim(now=NOON)
    with get_connection() as esp:  # the worker sends the first mail, then dies before the second
        dispatch.send(
            Message.objects.select_related("customer", "sale").get(pk=first.pk),
            connection=esp,
            now=NOON,
            record=dispatch.BatchRecord(),
        )

    later = NOON + dispatch.SENDING_LEASE + dt.timedelta(seconds=1)
    assert dispatch.recover_stuck(now=later) == 2

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.sent_at, second.state, second.reason) == (
        State.SENT,
        NOON,
        State.PLANNED,
        "recovered",
    )
    assert first.html_body and "Gracias" in first.text_body
    assert not SendMark.objects.exists()
    with time_machine.travel(later, tick=False):
        assert dispatch.dispatch_due() == 1
    assert len(outbox_mail) == 2, "the first mail once, the second once"


def test_the_recovery_sweep_drops_marks_of_rows_no_longer_sending(shop):
    message = thank_you(shop)
    dispatch.claim(now=NOON)
    SendMark.objects.create(message=message, accepted_at=NOON)  # a batch at work: kept
    stale = thank_you(shop, name="Luis Gómez")  # planned again after its lease ran out
    SendMark.objects.create(message=stale, accepted_at=NOON - dt.timedelta(hours=1))

    dispatch.recover_stuck(now=NOON)

    assert list(SendMark.objects.values_list("message_id", flat=True)) == [message.pk]

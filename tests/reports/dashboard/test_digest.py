"""The weekly digest: one mail per manager in their language, charts attached as images, the
numbers of the page for that week, and never twice for the same week; planned in the outbox and
sent by the dispatcher like every other mail."""

import csv
import io

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client

from followups.dispatch import dispatch_due
from followups.models import EventKind, Kind, Message, Reason, State
from reports.dashboard_models import DigestPreference
from reports.digest import digest_plan
from tests.conftest import make_staff
from tests.followups.esp import FlakyESP
from tests.reports.dashboard.conftest import answer, d, delivery, sale

pytestmark = pytest.mark.django_db
WEEK = "start=2026-03-02&end=2026-03-09"


@pytest.fixture
def week(settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    for score in [10, 9, 3]:
        answer(sale(day=d(3, 2)), "nps", score, day=d(3, 4))
    answer(sale(day=d(2, 20)), "nps", 0, day=d(2, 25))  # the week before
    delivery(sale(day=d(3, 1)), promised=d(3, 4), delivered=d(3, 6), reason="weather")
    marta, john = make_staff("marta", "Manager"), make_staff("john", "Manager")
    marta.email, john.email = "marta@shop.example", "john@shop.example"
    marta.save(), john.save()
    DigestPreference.objects.create(user=john, language="en")
    support = make_staff("sergio", "Support")
    support.email = "sergio@shop.example"
    support.save()
    make_staff("nomail", "Manager")  # no address: nothing to send to
    return {"marta": marta, "john": john}


def digest_send(*, today):
    """What beat and the workers do: plan the week's digests, then the dispatcher sends."""
    planned = digest_plan(today=today)
    dispatch_due()
    return planned


def test_one_mail_per_manager_in_their_language_with_the_charts(week):
    assert digest_send(today=d(3, 9)) == 2
    by_to = {m.to[0]: m for m in mail.outbox}
    assert set(by_to) == {"marta@shop.example", "john@shop.example"}
    spanish, english = by_to["marta@shop.example"], by_to["john@shop.example"]
    assert "semana" in spanish.body.lower() and "week" in english.body.lower()
    for message in (spanish, english):
        html = message.alternatives[0][0]
        assert 'src="cid:nps_trend"' in html and 'src="cid:late_reasons"' in html
        images = {part["Content-ID"]: part.get_payload(decode=True) for part in message.attachments}
        assert set(images) == {"<nps_trend>", "<late_reasons>"}
        assert all(png.startswith(b"\x89PNG") for png in images.values())


def test_the_digest_numbers_are_the_pages_numbers(week):
    digest_send(today=d(3, 9))
    english = next(m for m in mail.outbox if m.to == ["john@shop.example"])
    client = Client()
    client.force_login(week["john"])
    rows = {
        r[0]: r
        for r in csv.reader(
            io.StringIO(
                client.get(f"/reports/export/headline.csv?{WEEK}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
            )
        )
    }
    assert rows["NPS"][1] == "33.3"  # 2 promoters, 1 detractor of 3
    assert "- NPS: 33.3 (+133.3)" in english.body  # the week before: one detractor, −100
    assert f"- On-time deliveries (%): {rows['On-time deliveries (%)'][1].removesuffix('.0')}" in english.body


def test_a_rerun_sends_nothing_twice_and_a_manager_can_opt_out(week):
    DigestPreference.objects.update_or_create(
        user=week["marta"], defaults={"language": "es", "enabled": False}
    )
    assert digest_send(today=d(3, 9)) == 1
    assert digest_send(today=d(3, 10)) == 0  # same week
    assert digest_send(today=d(3, 16)) == 1  # the next one
    assert [m.to for m in mail.outbox] == [["john@shop.example"], ["john@shop.example"]]


def test_a_manager_sets_the_digest_language_on_the_overview(week):
    client = Client()
    client.force_login(week["marta"])
    assert client.post("/reports/digest/", {"language": "en", "enabled": "on"}).status_code == 302
    assert DigestPreference.objects.get(user=week["marta"]).language == "en"
    assert client.post("/reports/digest/", {"language": "fr"}).status_code == 400


def test_the_digest_is_an_outbox_row_for_the_manager_sent_once_with_its_event(week):
    digest_plan(today=d(3, 9))
    rows = Message.objects.filter(kind=Kind.WEEKLY_DIGEST).order_by("staff_recipient__username")
    assert [(m.staff_recipient.username, m.customer_id, m.state, m.language) for m in rows] == [
        ("john", None, State.PLANNED, "en"),
        ("marta", None, State.PLANNED, "es"),
    ]
    assert {m.data["week"] for m in rows} == {"2026-03-02"}
    dispatch_due()
    dispatch_due()  # a second sweep finds nothing left to send
    assert len(mail.outbox) == 2
    for message in Message.objects.filter(kind=Kind.WEEKLY_DIGEST):
        assert message.state == State.SENT and message.to_email == message.staff_recipient.email
        assert list(message.events.values_list("event", flat=True)) == [EventKind.SENT]
        assert message.subject.startswith(("Postsale weekly", "Postsale semanal"))
        sent = next(m for m in mail.outbox if m.to == [message.staff_recipient.email])
        assert sent.extra_headers["Message-ID"].startswith(f"<postsale-{message.pk}@")
        assert "List-Unsubscribe" not in sent.extra_headers  # no customer's unsubscribe link
    # The outbox page lists it with its staff recipient, and its own page opens.
    manager_client = Client()
    manager_client.force_login(week["john"])
    page = manager_client.get("/followups/messages/?kind=weekly_digest")
    assert page.status_code == 200 and b"John" in page.content and b"Marta" in page.content
    one = Message.objects.filter(kind=Kind.WEEKLY_DIGEST).first()
    assert manager_client.get(f"/followups/messages/{one.pk}/").status_code == 200
    # The API lists it too, with no customer and its staff recipient.
    listed = manager_client.get("/api/v1/messages/?kind=weekly_digest").json()["results"]
    assert sorted((m["customer"], m["customer_external_id"], m["staff_recipient"]) for m in listed) == [
        (None, None, "john"),
        (None, None, "marta"),
    ]
    # Nor does it count in the customers' message funnel.
    funnel = manager_client.get(
        "/reports/messages/?start=2026-01-01&end=2027-01-01", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert funnel.status_code == 200 and b"Weekly digest" not in funnel.content


def test_a_failing_esp_retries_the_digest_like_any_mail(week, settings):
    settings.EMAIL_BACKEND = "tests.followups.esp.FlakyESP"
    FlakyESP.down = "503 Service Unavailable"
    try:
        assert digest_send(today=d(3, 9)) == 2
    finally:
        FlakyESP.down = ""
    assert mail.outbox == []
    rows = Message.objects.filter(kind=Kind.WEEKLY_DIGEST)
    assert {(m.state, m.reason, m.attempts) for m in rows} == {(State.PLANNED, Reason.RETRY, 1)}
    assert all(m.last_error.startswith("esp: 503") for m in rows)
    Message.objects.filter(kind=Kind.WEEKLY_DIGEST).update(planned_at=rows[0].created_at)  # the retry's time
    dispatch_due()
    assert sorted(m.to[0] for m in mail.outbox) == ["john@shop.example", "marta@shop.example"]


def test_an_inactive_or_bounced_manager_gets_no_digest(week):
    from followups.models import Suppression, SuppressionReason

    digest_plan(today=d(3, 9))
    week["marta"].is_active = False
    week["marta"].save()
    Suppression.objects.create(email="john@shop.example", reason=SuppressionReason.HARD_BOUNCE)
    dispatch_due()
    assert mail.outbox == []
    states = dict(
        Message.objects.filter(kind=Kind.WEEKLY_DIGEST).values_list("staff_recipient__username", "state")
    )
    assert states == {"marta": State.CANCELLED, "john": State.SUPPRESSED}


def test_beat_runs_the_digest():
    tasks = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "reports.tasks.weekly_digest_task" in tasks


def test_the_demo_plans_last_weeks_digest_for_its_managers():
    from accounts.demo import demo_users_ensure
    from customers.demo import seed_demo

    demo_users_ensure()
    counts = seed_demo(customers=30)
    digests = Message.objects.filter(kind=Kind.WEEKLY_DIGEST)
    assert counts["weekly_digests"] == digests.count() >= 1
    assert {m.staff_recipient.groups.filter(name="Manager").exists() for m in digests} == {True}
    dispatch_due()
    assert Message.objects.filter(kind=Kind.WEEKLY_DIGEST, state=State.SENT).count() == digests.count()

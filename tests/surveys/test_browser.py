"""A customer answers a survey in a real browser (headless Chromium through Playwright)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from customers import services as customer_services
from customers.choices import ComplaintSource, TimelineKind
from customers.models import Complaint, TimelineEntry
from followups.models import FollowupRules, Kind, Message
from followups.outbox import message_plan
from surveys.models import Answer
from tests.browser import chromium_page
from tests.surveys.conftest import Surveyed, delivered_sale, sent_message

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
# A person reads the page before sending (how fast a person may be: test_people_vs_scanners.py).
READING_MS = 1500


def answer_in_browser(page, url: str, *, comment: str, reason: str | None = None):
    page.goto(url)
    if reason:
        page.check(f'input[name="reasons"][value="{reason}"]')
    page.fill('textarea[name="comment"]', comment)
    page.wait_for_timeout(READING_MS)
    page.click('button[type="submit"]')
    page.wait_for_url(re.compile(r".*/thanks/$"))


def test_a_customer_answers_the_mail_the_app_sent(site, settings):
    from followups.dispatch import dispatch_due

    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    mail.outbox = []
    rules = FollowupRules.current()
    rules.quiet_hours_start = rules.quiet_hours_end = 0  # daytime whenever the test runs
    rules.save()
    now = timezone.now()
    customer, _created = customer_services.customer_upsert(
        external_id="B-1", name="Carmen Ortega Vidal", email="carmen@example.es", language="es"
    )
    sale = customer_services.sale_record(
        external_id="ORD-B-1",
        customer=customer,
        ordered_at=now - dt.timedelta(days=3),
        lines=[customer_services.LineData(name="Tetera", quantity=1, unit_price=Decimal("25"))],
        delivery={"status": "delivered", "delivered_at": now - dt.timedelta(hours=1)},
    ).sale
    message_plan(
        kind=Kind.SURVEY,
        customer_id=customer.pk,
        sale_id=sale.pk,
        dedupe_key="survey:test",
        planned_at=now,
        expires_at=now + dt.timedelta(days=7),
    )
    dispatch_due()
    # Carmen reads it a few minutes later (a POST seconds after delivery is a scanner's).
    Message.objects.filter(kind=Kind.SURVEY).update(sent_at=now - dt.timedelta(minutes=5))

    surveys = [m for m in mail.outbox if "/c/s/" in m.alternatives[0][0]]
    assert len(surveys) == 1 and surveys[0].to == ["carmen@example.es"]
    html = surveys[0].alternatives[0][0]
    link = re.search(r'href="([^"]*/c/s/[^"]+\?score=3)"', html).group(1)
    assert link.startswith(site)

    with chromium_page() as page:
        page.goto(link)
        assert page.locator('input[name="score"][value="3"]').is_checked()
        answer_in_browser(page, link, comment="La caja llegó abierta", reason="delivery_damaged")
        assert page.inner_text("h1") == "¡Gracias, Carmen!"

    answer = Answer.objects.get()
    assert (answer.score, answer.comment, answer.flagged) == (3, "La caja llegó abierta", False)
    assert [
        entry.text
        for entry in TimelineEntry.objects.filter(customer=customer, kind=TimelineKind.SURVEY_ANSWER)
    ] == ["NPS 3 — 'La caja llegó abierta'"]
    case = Complaint.objects.get(source=ComplaintSource.SURVEY)
    assert answer.complaint == case and case.reason == "delivery_damaged"


def test_a_customer_answers_and_changes_the_answer_in_a_browser(site):
    survey = Surveyed(sent_message(sale=delivered_sale()))
    with chromium_page() as page:
        page.goto(site + survey.score_path(9))
        assert page.locator('input[name="score"][value="9"]').is_checked()
        # Our stylesheet and our one script load under the strict Content Security Policy.
        assert page.locator("main.page").evaluate("e => getComputedStyle(e).maxWidth") == "560px"
        assert page.locator("script").count() == 1
        assert page.input_value('input[name="interaction"]') == "none"  # public.js ran
        answer_in_browser(page, site + survey.score_path(9), comment="Muy contento")

        page.click(f'a[href="{survey.answer_path}"]')  # "change my answer"
        assert page.locator('input[name="score"][value="9"]').is_checked()
        assert page.input_value('textarea[name="comment"]') == "Muy contento"
        page.click('label:has(input[name="score"][value="10"])')
        page.wait_for_timeout(READING_MS)
        page.click('button[type="submit"]')
        page.wait_for_url(re.compile(r".*/thanks/$"))

    answer = Answer.objects.get()
    assert (answer.score, answer.comment, answer.flagged) == (10, "Muy contento", False)
    assert list(answer.revisions.order_by("pk").values_list("score", flat=True)) == [9, 10]
    assert not Complaint.objects.exists()

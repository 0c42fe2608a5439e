"""The delay choices and the unsubscribe page in a real browser: what a person does counts,
however quickly; what a scanner does changes nothing."""

import re
from pathlib import Path

import pytest

from customers.choices import ComplaintStatus
from customers.models import Complaint, Customer
from followups.models import Kind, Message, MessageEvent, Suppression
from tests.browser import chromium_page
from tests.followups.test_browser_pages import delay_notice_mail
from tests.people import PROOFPOINT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/public-shots")
ANSWERED = re.compile(r".*answered=1$")


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def delay_url(notice) -> str:
    return re.search(r'href="([^"]+/c/d/[^"]+/)"', notice.alternatives[0][0]).group(1)


def pressed(page) -> list[str]:
    return page.eval_on_selector_all('button[aria-pressed="true"]', "bs => bs.map(b => b.value)")


def test_cancel_asks_first_shows_the_choice_and_accepting_afterwards_withdraws_the_case(site, settings):
    notice, sale = delay_notice_mail(settings)
    with chromium_page() as page:
        page.goto(delay_url(notice))
        page.wait_for_timeout(500)  # as quick as a person who already decided in the mail
        page.click('button[value="cancel"]')
        page.wait_for_selector("#confirm-cancel")
        asked = page.inner_text("main")
        shot(page, "delay-confirm-cancel")
        page.click("#confirm-cancel button.danger")
        page.wait_for_url(ANSWERED)
        after_cancel = (page.inner_text("#your-answer"), pressed(page))
        shot(page, "delay-cancel-chosen")
        page.click('button[value="accept"]')
        page.wait_for_url(ANSWERED)
        after_accept = (page.inner_text("#your-answer"), pressed(page))
        shot(page, "delay-accept-chosen")

    assert "¿Seguro que quieres cancelar el pedido ORD-B-2?" in asked
    assert "Cancelar mi pedido" in after_cancel[0] and after_cancel[1] == ["cancel"]
    assert "Aceptar la nueva fecha" in after_accept[0] and after_accept[1] == ["accept"]
    case = Complaint.objects.get()
    assert case.sale_id == sale.pk and case.status == ComplaintStatus.CLOSED
    assert Message.objects.get(kind=Kind.DELAY_NOTICE).data["choice"] == "accept"


def test_call_me_asks_for_a_number_when_there_is_none(site, settings):
    notice, _sale = delay_notice_mail(settings)
    with chromium_page() as page:
        page.goto(delay_url(notice))
        page.click('button[value="call"]')
        page.wait_for_selector('input[type="tel"]')
        page.fill('input[type="tel"]', "12")
        page.click("#ask-phone button.primary")
        page.wait_for_selector("#phone-error")
        error = page.inner_text("#phone-error")
        shot(page, "delay-ask-phone-error")
        page.fill('input[type="tel"]', "+34 611 22 33 44")
        page.click("#ask-phone button.primary")
        page.wait_for_url(ANSWERED)
        shown = page.inner_text("#your-answer")

    assert "teléfono" in error.lower()
    assert "Llamadme" in shown
    assert Customer.objects.get(external_id="B-2").phone == "+34 611 22 33 44"
    assert "+34 611 22 33 44" in Complaint.objects.get().description


def test_a_scanner_on_the_delay_page_changes_nothing(site, settings):
    notice, _sale = delay_notice_mail(settings)
    with chromium_page(user_agent=PROOFPOINT) as page:  # a scanner's agent, 0.1 s after loading
        page.goto(delay_url(notice))
        page.wait_for_timeout(100)
        page.click('button[value="cancel"]')
        page.wait_for_selector(".notice")
        shot(page, "delay-scanner-confirm-again")
    with chromium_page() as page:  # renders the page and presses the button by script
        page.goto(delay_url(notice))
        page.evaluate("document.querySelector('button[value=call]').click()")
        page.wait_for_selector(".notice")
        told = page.inner_text(".notice")

    assert "de nuevo" in told.lower()  # "confirm again"
    assert not Complaint.objects.exists()
    assert "choice" not in Message.objects.get(kind=Kind.DELAY_NOTICE).data
    assert sorted(MessageEvent.objects.filter(event="automated_post").values_list("detail", flat=True)) == [
        "delay: automated_agent",
        "delay: no_interaction",
    ]


def test_a_scanner_cannot_unsubscribe_and_a_person_can_at_once(site, settings):
    notice, _sale = delay_notice_mail(settings)
    url = re.search(r"<([^>]+)>", notice.extra_headers["List-Unsubscribe"]).group(1)
    with chromium_page() as page:
        page.goto(url)
        page.evaluate("document.querySelector('form').submit()")  # a scanner, by script
        page.wait_for_selector(".notice")
        shot(page, "unsubscribe-confirm-again")
    scanner_left = set(Suppression.objects.values_list("category", flat=True))
    with chromium_page() as page:
        page.goto(url)
        page.wait_for_timeout(500)
        page.click("button.primary")
        page.wait_for_load_state()
        text = page.inner_text("main")

    assert scanner_left == set()
    assert "baja" in text.lower()
    assert set(Suppression.objects.values_list("category", flat=True)) == {
        "relationship",
        "survey",
        "promotional",
    }
    assert not Customer.objects.get(external_id="B-2").marketing_consent

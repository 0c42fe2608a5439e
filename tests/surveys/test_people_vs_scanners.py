"""People are counted however fast they answer; scanners are flagged by what people never do.

The browser tests measure it: people who chose the score in the mail and press Send 0.5 s or
2 s after the page opened (by mouse, by keyboard, without JavaScript) are all counted; scanners
(submitting by script, with a scanner's agent, seconds after delivery) are all flagged.
Run with -s to see the tally.
"""

import datetime as dt
import re

import pytest
from django.core.exceptions import ImproperlyConfigured

from surveys.models import Answer, AnswerRevision, FlagReason
from tests.browser import chromium_page
from tests.people import PROOFPOINT
from tests.surveys.conftest import Surveyed, answer_as_person, delivered_sale, person_client, sent_message

SECONDS = dt.timedelta(seconds=1)


def revision() -> AnswerRevision:
    return AnswerRevision.objects.get()


@pytest.mark.django_db
@pytest.mark.parametrize("think_seconds", [0.5, 2])
@pytest.mark.parametrize("interaction", ["pointerdown", "keydown", ""])  # "": no JavaScript
def test_a_person_who_chose_in_the_mail_and_sends_at_once_is_counted(nps_survey, think_seconds, interaction):
    response = answer_as_person(
        person_client(), nps_survey, score=9, interaction=interaction, think_seconds=think_seconds
    )

    assert response.status_code == 303
    assert not revision().flagged
    assert revision().seconds_since_page_served == pytest.approx(think_seconds, abs=0.1)
    nps_survey.invitation.refresh_from_db()
    assert nps_survey.invitation.answered_at is not None


@pytest.mark.django_db
def test_a_post_seconds_after_the_mail_went_out_is_flagged():
    survey = Surveyed(sent_message(sale=delivered_sale(), sent_ago=3 * SECONDS))

    answer_as_person(person_client(), survey, score=0, think_seconds=1, interaction="click")

    assert revision().flag_reason == FlagReason.AFTER_DELIVERY


@pytest.mark.django_db
def test_seconds_after_delivery_count_from_the_mail_whose_link_was_followed(nps_survey):
    reminder = Surveyed(
        sent_message(
            sale=nps_survey.invitation.sale,
            sent_ago=2 * SECONDS,
            data={"reminder_of_invitation": nps_survey.invitation.pk},
        )
    )
    assert reminder.invitation == nps_survey.invitation

    answer_as_person(person_client(), reminder, score=0, think_seconds=1, interaction="click")
    assert revision().flag_reason == FlagReason.AFTER_DELIVERY

    answer_as_person(person_client(), nps_survey, score=10, think_seconds=1, interaction="click")
    assert not Answer.objects.get().flagged  # the first mail went out an hour ago


@pytest.mark.django_db
def test_the_scanner_networks_are_a_setting(nps_survey, settings):
    settings.SCANNER_NETWORKS = ["10.0.0.0/8"]  # the test clients' addresses

    answer_as_person(person_client(), nps_survey, score=0, interaction="click")

    assert revision().flag_reason == FlagReason.SCANNER_NETWORK


def test_a_bad_network_in_the_environment_fails_start_up(monkeypatch):
    from postsale.lib.env import envcidrs

    monkeypatch.setenv("SCANNER_NETWORKS", "40.92.0.0/15, not-a-network")
    with pytest.raises(ImproperlyConfigured, match="not-a-network"):
        envcidrs("SCANNER_NETWORKS", [])
    monkeypatch.setenv("SCANNER_NETWORKS", "40.92.0.0/15, 2a01:111:f400::/48")
    assert envcidrs("SCANNER_NETWORKS", []) == ["40.92.0.0/15", "2a01:111:f400::/48"]


# -- In a real browser (headless Chromium) -------------------------------------------------

THANKS = re.compile(r".*/thanks/$")


def person_in_browser(page, url: str, *, wait_ms: int, keyboard: bool = False) -> str:
    """Open the mail's score link (the score is chosen), wait, press Send."""
    page.goto(url)
    page.wait_for_timeout(wait_ms)
    if keyboard:
        page.focus('button[type="submit"]')
        page.keyboard.press("Enter")
    else:
        page.click('button[type="submit"]')
    page.wait_for_url(THANKS)
    return page.inner_text("h1")


def scanner_in_browser(page, url: str, how: str) -> None:
    page.goto(url)
    page.wait_for_timeout(300)
    if how == "form.submit()":
        page.evaluate("document.querySelector('form.survey').submit()")
    elif how == "button.click()":
        page.evaluate("document.querySelector('button[type=submit]').click()")
    else:
        page.click('button[type="submit"]')
    page.wait_for_url(THANKS)


def surveys(n: int, **sent) -> list[Surveyed]:
    return [Surveyed(sent_message(sale=delivered_sale(), **sent)) for _ in range(n)]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_people_in_a_browser_are_counted_at_half_a_second_and_at_two(site):
    people = [(500, False), (500, True), (2000, False), (2000, True)]  # (wait ms, keyboard)
    asked = surveys(len(people) + 1)
    headings = []
    with chromium_page() as page:
        for survey, (wait_ms, keyboard) in zip(asked, people, strict=False):
            headings.append(
                person_in_browser(page, site + survey.score_path(9), wait_ms=wait_ms, keyboard=keyboard)
            )
    with chromium_page(java_script_enabled=False) as page:  # the page works without JavaScript
        headings.append(person_in_browser(page, site + asked[-1].score_path(9), wait_ms=500))

    revisions = list(AnswerRevision.objects.order_by("pk"))
    print(
        "\npeople:", [(r.seconds_since_page_served, r.flagged, r.flag_reason or "counted") for r in revisions]
    )
    assert [r.flagged for r in revisions] == [False] * 5
    assert all(heading.startswith("¡Gracias") for heading in headings)
    assert max(revisions[0].seconds_since_page_served, revisions[1].seconds_since_page_served) < 2
    assert Answer.objects.filter(flagged=False).count() == 5


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_scanner_like_posts_in_a_browser_are_flagged(site):
    scripted = surveys(2)
    (agent,) = surveys(1)
    (early,) = surveys(1, sent_ago=dt.timedelta(0))
    with chromium_page() as page:
        scanner_in_browser(page, site + scripted[0].score_path(0), "form.submit()")
        scanner_in_browser(page, site + scripted[1].score_path(0), "button.click()")
        scanner_in_browser(page, site + early.score_path(0), "click")
        thanks_text = page.inner_text("main")
    with chromium_page(user_agent=PROOFPOINT) as page:
        scanner_in_browser(page, site + agent.score_path(0), "click")

    reasons = list(AnswerRevision.objects.order_by("pk").values_list("flag_reason", flat=True))
    print("\nscanners:", reasons)
    assert reasons == [
        FlagReason.NO_INTERACTION,
        FlagReason.NO_INTERACTION,
        FlagReason.AFTER_DELIVERY,
        FlagReason.AUTOMATED_AGENT,
    ]
    assert not Answer.objects.filter(flagged=False).exists()
    assert "no hemos recibido" in thanks_text.lower()  # the way back to answer for real

"""What customers see, in a real browser, in both languages, on a phone and a desktop: no page
scrolls sideways, the score row fits, dates and tracking numbers stay whole, and the words are
the customer's. Also the survey mail at 320, 390 and 600 px, and staff pages on phone and tablet.
"""

import re

import pytest
from django.test import Client

from bench.showcase import DESKTOP, PHONE, TABLET, lines_of, score_rows, seed, sideways
from tests.browser import chromium_page
from tests.conftest import make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SIZES = {"phone": PHONE, "desktop": DESKTOP}
WORDS = {
    "es": {
        "case": r"Tu caso n\.º \d+: lo estamos revisando\.",
        "reason": "Tenía prisa",
        "staff_reason": "Cliente inquieto",
        "stop": "Encuestas",
        "stay": "Avisos de pedidos",
    },
    "en": {
        "case": r"Your case #\d+: solved on [A-Z][a-z]+\.? \d+, \d{4}\.",
        "reason": "I was in a hurry",
        "staff_reason": "Customer anxious",
        "stop": "Surveys",
        "stay": "Order updates",
    },
}


@pytest.fixture
def shown(site):
    return {"es": seed("es"), "en": seed("en", case_solved=True)}


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_customers_pages_fit_and_speak_the_customers_words(site, shown, language, size):
    show, words = shown[language], WORDS[language]
    with chromium_page(viewport=SIZES[size]) as page:
        found = {}
        for name in ("order", "delay", "preferences", "unsubscribe", "survey"):
            page.goto(site + getattr(show, name))
            found[name] = {
                "sideways": sideways(page),
                "text": page.inner_text("main"),
                "lang": page.get_attribute("html", "lang"),
            }
            if name in ("order", "delay"):
                found[name]["dates"] = lines_of(page, "dd.date")
                found[name]["tracking"] = lines_of(page, "#tracking")
            if name == "survey":
                page.click("details summary")
                found[name]["reasons"] = page.inner_text(".reasons")
                found[name]["scores"] = score_rows(page, "fieldset:first-of-type .scores label")
                found[name]["width"] = page.evaluate("window.innerWidth")
    assert {name: f["sideways"] for name, f in found.items()} == dict.fromkeys(found, 0)
    assert {f["lang"] for f in found.values()} == {language}
    assert re.search(words["case"], found["order"]["text"]), found["order"]["text"]
    for name in ("order", "delay"):
        assert found[name]["dates"] and set(found[name]["dates"]) == {1}, (name, found[name])
        assert found[name]["tracking"] == [1]
    survey = found["survey"]
    assert words["reason"] in survey["reasons"] and words["staff_reason"] not in survey["reasons"]
    rows = survey["scores"]["rows"]
    assert rows == ([11] if size == "desktop" else [6, 5])  # the 10 never on a row of its own
    assert survey["scores"]["right"] <= survey["width"]
    text = found["unsubscribe"]["text"]
    assert words["stop"] in text and words["stay"] in text
    assert text.index(words["stop"]) < text.index(words["stay"])  # what stops, then what not


@pytest.mark.parametrize("width", [320, 390, 600])
def test_the_survey_mails_score_row_fits_every_width(site, shown, width):
    mails = [show.survey_mail for show in shown.values()]
    with chromium_page(viewport={"width": width, "height": 800}) as page:
        measured = []
        for html in mails:
            page.set_content(html)
            measured.append((sideways(page), score_rows(page, 'a[href*="score="]')))
    for overflow, scores in measured:
        assert overflow <= 0
        assert scores["rows"] == [11] and scores["right"] <= width


STAFF_PAGES = [
    "/",
    "/customers/",
    "/followups/messages/",
    "/followups/rules/",
    "/reports/",
    "/followups/templates/",
    "/followups/tips/",
    "/customers/import/",
]


@pytest.mark.parametrize("size", [PHONE, TABLET], ids=["phone", "tablet"])
def test_staff_pages_do_not_scroll_sideways(site, shown, size):
    client = Client()
    client.force_login(make_staff("marta", "Manager"))
    session = client.cookies["sessionid"].value
    from customers.models import Customer

    pages = [*STAFF_PAGES, f"/customers/{Customer.objects.get(external_id='SHOW-es').pk}/"]
    with chromium_page(viewport=size) as page:
        page.context.add_cookies([{"name": "sessionid", "value": session, "url": site}])
        overflow = {}
        for path in pages:
            page.goto(site + path)
            overflow[path] = sideways(page)
    assert overflow == dict.fromkeys(pages, 0)

import re

import pytest

from postsale.lib import public
from tests.surveys.conftest import Surveyed, delivered_sale, sent_message

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["answer", "thanks", "order", "unknown"])
def test_public_pages_send_the_strict_headers(browser, nps_survey, page):
    path = {
        "answer": nps_survey.score_path(9),
        "thanks": nps_survey.answer_path + "thanks/",
        "order": f"/c/o/{nps_survey.message.page_token}/",
        "unknown": "/c/s/nope/",
    }[page]
    response = browser.get(path)
    assert response.status_code in (200, 404)
    assert response["Content-Security-Policy"] == public.CSP
    # Our one script, nothing inline and nothing from elsewhere.
    assert "script-src 'self';" in response["Content-Security-Policy"]
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "no-store"
    # Never sent to another site; the answer form's page must send its own origin with the POST
    # for the CSRF check (see surveys.views.form_page).
    assert response["Referrer-Policy"] in ("no-referrer", "same-origin")


def test_the_answer_page_loads_nothing_from_elsewhere(browser, nps_survey):
    body = browser.get(nps_survey.score_path(9)).content.decode()
    assert re.findall(r"<script[^>]*>", body) == [
        '<script src="/static/js/public.js" defer>'
    ]  # ours, no inline code
    assert "http://" not in body and "https://" not in body


def test_hammering_one_link_gets_the_please_wait_page(browser, nps_survey):
    statuses = [
        browser.get(nps_survey.answer_path).status_code for _ in range(public.PER_TOKEN_PER_MINUTE + 2)
    ]
    assert statuses[0] == 200
    assert statuses[-1] == 429
    limited = browser.get(nps_survey.answer_path)
    assert limited.status_code == 429
    assert limited["Content-Security-Policy"] == public.CSP


def test_one_link_hammered_leaves_another_link_working(browser, nps_survey):
    other = Surveyed(sent_message(sale=delivered_sale()))
    for _ in range(public.PER_TOKEN_PER_MINUTE + 2):
        browser.get(nps_survey.answer_path)
    assert browser.get(other.answer_path).status_code == 200

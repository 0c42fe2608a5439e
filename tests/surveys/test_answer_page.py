import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from customers.choices import TimelineKind
from customers.models import Complaint, TimelineEntry
from surveys.models import Answer, AnswerRevision
from tests.surveys.conftest import answer_as_person, page_stamp_from, person_client

pytestmark = pytest.mark.django_db


def checked_scores(body: str) -> list[str]:
    inputs = re.findall(r'<input[^>]*name="score"[^>]*>', body)
    return [re.search(r'value="(\d+)"', tag).group(1) for tag in inputs if " checked" in tag]


def nothing_recorded() -> bool:
    return not (
        Answer.objects.exists()
        or AnswerRevision.objects.exists()
        or Complaint.objects.exists()
        or TimelineEntry.objects.filter(kind=TimelineKind.SURVEY_ANSWER).exists()
    )


def test_following_a_score_link_records_nothing(browser, nps_survey):
    for score in (0, 3, 9, 10):
        response = browser.get(nps_survey.score_path(score))
        assert response.status_code == 200
    assert nothing_recorded()


def test_the_page_shows_the_chosen_score_selected_and_only_first_name_and_order(browser, nps_survey):
    body = browser.get(nps_survey.score_path(9)).content.decode()
    assert checked_scores(body) == ["9"]
    customer = nps_survey.invitation.customer
    assert "Lucía" in body and customer.name not in body
    assert nps_survey.invitation.sale.external_id in body
    assert customer.email not in body and customer.phone not in body
    assert "¿Volverías a comprarnos?" in body  # NPS asks "would you buy again"
    assert 'lang="es"' in body


def test_the_score_zero_chosen_in_the_mail_is_shown_chosen(browser, nps_survey):
    assert checked_scores(browser.get(nps_survey.score_path(0)).content.decode()) == ["0"]


def test_posting_records_the_answer_and_shows_thanks(browser, nps_survey):
    response = answer_as_person(browser, nps_survey, score=9, comment="Muy contento", would_buy_again="yes")
    assert response.status_code == 303
    assert response["Location"] == nps_survey.answer_path + "thanks/"
    answer = Answer.objects.get()
    assert (answer.score, answer.comment, answer.would_buy_again, answer.flagged) == (
        9,
        "Muy contento",
        True,
        False,
    )
    revision = answer.revisions.get()
    assert revision.seconds_since_page_served >= 8 and revision.user_agent.startswith("Mozilla")
    assert revision.ip and not revision.flagged
    nps_survey.invitation.refresh_from_db()
    assert nps_survey.invitation.answered_at is not None
    thanks = browser.get(response["Location"])
    assert thanks.status_code == 200 and "Gracias, Lucía" in thanks.content.decode()
    assert nps_survey.answer_path in thanks.content.decode()  # the way to change it


def test_the_answer_goes_on_the_customers_timeline(browser, nps_survey):
    answer_as_person(browser, nps_survey, score=9, comment="Muy contento")
    entry = TimelineEntry.objects.get(kind=TimelineKind.SURVEY_ANSWER)
    assert entry.customer == nps_survey.invitation.customer
    assert entry.text == "NPS 9 — 'Muy contento'"
    assert entry.sale == nps_survey.invitation.sale


def test_changing_the_answer_keeps_a_revision_and_updates_the_answer(browser, nps_survey):
    answer_as_person(browser, nps_survey, score=6)
    page = browser.get(nps_survey.answer_path)
    assert checked_scores(page.content.decode()) == ["6"]  # the current answer, ready to change
    answer_as_person(browser, nps_survey, score=10, comment="Al final, genial", reasons=["delivery_late"])
    answer = Answer.objects.get()
    assert (answer.score, answer.comment, answer.reasons) == (10, "Al final, genial", ["delivery_late"])
    assert list(answer.revisions.values_list("score", flat=True)) == [6, 10]
    summaries = [
        entry.text
        for entry in TimelineEntry.objects.filter(kind=TimelineKind.SURVEY_ANSWER).order_by("at", "id")
    ]
    assert len(summaries) == 2 and "10" in summaries[1]


def test_the_same_answer_sent_twice_adds_a_revision_but_no_second_timeline_entry(browser, nps_survey):
    answer_as_person(browser, nps_survey, score=8)
    answer_as_person(browser, nps_survey, score=8)
    assert AnswerRevision.objects.count() == 2
    assert TimelineEntry.objects.filter(kind=TimelineKind.SURVEY_ANSWER).count() == 1


def test_a_score_off_the_scale_is_refused_and_records_nothing(browser, nps_survey):
    page = browser.get(nps_survey.answer_path)
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=8), tick=False):
        response = browser.post(nps_survey.answer_path, {"score": 11, "stamp": page_stamp_from(page)})
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert nothing_recorded()


def test_a_case_survey_records_csat_and_effort(browser, case_survey):
    body = browser.get(case_survey.score_path(4)).content.decode()
    assert "How easy was it to get your problem solved?" in body
    assert "Would you buy from us again?" not in body
    answer_as_person(browser, case_survey, score=4, ces_score=6)
    answer = Answer.objects.get()
    assert (answer.survey_type, answer.score, answer.ces_score) == ("csat", 4, 6)
    assert TimelineEntry.objects.get(kind=TimelineKind.SURVEY_ANSWER).text == "CSAT 4 · CES 6"


def test_after_expiry_the_link_shows_the_friendly_not_valid_page(browser, nps_survey):
    answer_as_person(browser, nps_survey, score=9)
    unknown = browser.get("/c/s/not-a-real-token-at-all/")
    later = nps_survey.invitation.expires_at + dt.timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        for path in (nps_survey.answer_path, nps_survey.answer_path + "thanks/"):
            response = browser.get(path)
            assert response.status_code == 404
            assert response.content == unknown.content
            assert b"<h1>" in response.content  # the friendly page, not a bare error
        response = browser.post(nps_survey.answer_path, {"score": 2, "stamp": "x"})
        assert response.status_code == 404
    assert Answer.objects.get().score == 9


def test_the_answer_form_is_protected_against_cross_site_posts(nps_survey):
    client = person_client(enforce_csrf_checks=True)
    page = client.get(nps_survey.score_path(9))
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=8), tick=False):
        forged = person_client(enforce_csrf_checks=True).post(
            nps_survey.answer_path, {"score": 0, "stamp": page_stamp_from(page)}
        )
        assert forged.status_code == 403
        assert not Answer.objects.exists()
        csrf = client.cookies["csrftoken"].value
        ok = client.post(
            nps_survey.answer_path, {"score": 9, "stamp": page_stamp_from(page), "csrfmiddlewaretoken": csrf}
        )
    assert ok.status_code == 303
    assert Answer.objects.get().score == 9


def test_the_answer_page_is_one_query_and_an_answer_a_fixed_handful(
    browser, nps_survey, django_assert_num_queries, django_assert_max_num_queries
):
    with django_assert_num_queries(1):  # the link, its invitation, customer, order and answer
        assert browser.get(nps_survey.score_path(9)).status_code == 200
    answer_as_person(browser, nps_survey, score=9)
    with django_assert_max_num_queries(12):
        answer_as_person(browser, nps_survey, score=10, comment="Mejor aún")

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from customers.choices import TimelineKind
from customers.models import Complaint, TimelineEntry
from surveys.models import Answer, AnswerRevision, FlagReason
from surveys.scanners import automation_reason, page_stamp, seconds_since_served
from tests.surveys import metrics as survey_metrics
from tests.surveys.conftest import answer_as_person, page_stamp_from, person_client

pytestmark = pytest.mark.django_db
PROOFPOINT = "Mozilla/5.0 (compatible; Proofpoint URL Defense)"


def scanner_posts(
    survey, *, score=0, user_agent=None, stamp=True, after_seconds=1.0, interaction="none", ip=None
):
    """A scanner that renders the page (its script runs, nobody touches it) and submits it."""
    client = person_client(**({"REMOTE_ADDR": ip} if ip else {}))
    page = client.get(survey.score_path(score))
    data = {"score": score, "interaction": interaction}
    if stamp:
        data["stamp"] = page_stamp_from(page)
    headers = {"HTTP_USER_AGENT": user_agent} if user_agent is not None else {}
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=after_seconds), tick=False):
        return client.post(survey.answer_path, data, **headers)


def period():
    now = timezone.now()
    return {"start": now - dt.timedelta(days=1), "end": now + dt.timedelta(days=1)}


@pytest.mark.parametrize(
    "how, reason",
    [
        ({"after_seconds": 1.0}, FlagReason.NO_INTERACTION),
        ({"stamp": False, "after_seconds": 30, "interaction": ""}, FlagReason.NO_PAGE_LOAD),
        ({"ip": "40.107.3.9", "after_seconds": 30, "interaction": "click"}, FlagReason.SCANNER_NETWORK),
        ({"user_agent": PROOFPOINT, "after_seconds": 30}, FlagReason.AUTOMATED_AGENT),
        ({"user_agent": "python-requests/2.32", "after_seconds": 30}, FlagReason.AUTOMATED_AGENT),
        ({"user_agent": "", "after_seconds": 30}, FlagReason.AUTOMATED_AGENT),
    ],
)
def test_an_automated_looking_submission_is_kept_flagged_and_counts_for_nothing(nps_survey, how, reason):
    response = scanner_posts(nps_survey, score=0, **how)
    assert response.status_code == 303  # a scanner learns nothing from the answer
    revision = AnswerRevision.objects.get()
    assert revision.flagged and revision.flag_reason == reason
    assert Answer.objects.get().flagged
    assert survey_metrics.nps(**period()).responses == 0
    assert not Complaint.objects.exists()
    assert not TimelineEntry.objects.filter(kind=TimelineKind.SURVEY_ANSWER).exists()
    nps_survey.invitation.refresh_from_db()
    assert nps_survey.invitation.answered_at is None


def test_a_scanner_never_overwrites_a_persons_answer(browser, nps_survey):
    answer_as_person(browser, nps_survey, score=9, comment="Todo perfecto")
    scanner_posts(nps_survey, score=0, user_agent=PROOFPOINT, after_seconds=1)
    answer = Answer.objects.get()
    assert (answer.score, answer.comment, answer.flagged) == (9, "Todo perfecto", False)
    assert list(answer.revisions.order_by("pk").values_list("flagged", flat=True)) == [False, True]
    assert survey_metrics.nps(**period()).score == 100.0
    assert not Complaint.objects.exists()


def test_a_person_answering_after_a_scanner_replaces_its_answer(browser, nps_survey):
    scanner_posts(nps_survey, score=0, after_seconds=0.5)
    answer_as_person(browser, nps_survey, score=10)
    answer = Answer.objects.get()
    assert (answer.score, answer.flagged) == (10, False)
    assert survey_metrics.nps(**period()).responses == 1


def test_flagged_case_survey_answers_stay_out_of_csat_and_ces(case_survey, browser):
    scanner_posts(case_survey, score=1, after_seconds=0.2)
    assert survey_metrics.csat(**period()).responses == 0
    assert survey_metrics.ces(**period()).responses == 0
    answer_as_person(browser, case_survey, score=5, ces_score=7)
    assert survey_metrics.csat(**period()).score == 100.0
    assert survey_metrics.ces(**period()).score == 7


def test_a_stamp_is_bound_to_its_invitation_and_cannot_be_forged():
    stamp = page_stamp(41, served_at=timezone.now().timestamp() - 10)
    assert seconds_since_served(stamp, 41) >= 10
    assert seconds_since_served(stamp, 42) is None
    assert seconds_since_served(stamp[:-2] + "xx", 41) is None
    assert seconds_since_served("", 41) is None


def test_a_headless_browser_taking_its_time_is_not_flagged_by_its_agent_alone():
    agent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0 Safari/537.36"
    assert automation_reason(seconds=12.0, user_agent=agent) == ""
    assert automation_reason(seconds=0.4, user_agent=agent) == ""  # fast is not a machine
    assert automation_reason(seconds=0.4, user_agent=agent, interaction="none") == FlagReason.NO_INTERACTION

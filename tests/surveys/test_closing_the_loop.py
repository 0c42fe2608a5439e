import datetime as dt

import pytest

from customers.choices import ComplaintSource, Reason, Severity
from customers.models import Complaint
from surveys.models import Answer
from tests.surveys.conftest import answer_as_person

pytestmark = pytest.mark.django_db


def test_a_detractor_opens_one_high_case_for_support_linked_to_the_answer(browser, nps_survey):
    answer_as_person(
        browser, nps_survey, score=3, comment="Llegó roto", reasons=["delivery_damaged", "delivery_late"]
    )
    case = Complaint.objects.get()
    answer = Answer.objects.get()
    assert answer.complaint == case
    assert (case.source, case.severity, case.customer, case.sale) == (
        ComplaintSource.SURVEY,
        Severity.HIGH,
        nps_survey.invitation.customer,
        nps_survey.invitation.sale,
    )
    assert case.reason == Reason.DELIVERY_LATE  # the first chosen tag, in taxonomy order
    assert "Llegó roto" in case.description
    assert case.sla_target_hours == 24  # business hours, its own short target


def test_changing_a_detractors_answer_opens_no_second_case(browser, nps_survey):
    answer_as_person(browser, nps_survey, score=2)
    answer_as_person(browser, nps_survey, score=0, comment="Y además nadie contesta")
    answer_as_person(browser, nps_survey, score=9)
    assert Complaint.objects.count() == 1
    assert Answer.objects.get().complaint == Complaint.objects.get()


def test_a_detractor_without_tags_opens_a_case_for_another_reason(browser, nps_survey):
    answer_as_person(browser, nps_survey, score=6)
    assert Complaint.objects.get().reason == Reason.OTHER


@pytest.mark.parametrize("score", [7, 8, 9, 10])
def test_passives_and_promoters_open_no_case(browser, nps_survey, score):
    answer_as_person(browser, nps_survey, score=score)
    assert not Complaint.objects.filter(source=ComplaintSource.SURVEY).exists()
    assert Answer.objects.get().complaint is None


def test_the_thanks_page_tells_a_detractor_someone_will_get_in_touch(browser, case_survey):
    response = answer_as_person(browser, case_survey, score=2, ces_score=6)
    body = browser.get(response["Location"]).content.decode()
    assert "Someone from our team will get in touch" in body


@pytest.mark.parametrize(
    "csat, ces, opens", [(2, 7, True), (1, None, True), (3, 3, True), (3, 4, False), (5, 7, False)]
)
def test_case_survey_detractors_are_csat_1_2_or_ces_1_3(browser, case_survey, csat, ces, opens):
    fields = {"ces_score": ces} if ces is not None else {}
    answer_as_person(browser, case_survey, score=csat, **fields)
    assert Complaint.objects.filter(source=ComplaintSource.SURVEY).exists() is opens


def test_an_answer_after_the_case_was_opened_does_not_reopen_a_resolved_one(browser, nps_survey):
    answer_as_person(browser, nps_survey, score=1)
    case = Complaint.objects.get()
    case.status, case.resolved_at = "resolved", case.opened_at + dt.timedelta(minutes=5)
    case.save()
    answer_as_person(browser, nps_survey, score=0)
    assert Complaint.objects.count() == 1
    case.refresh_from_db()
    assert case.status == "resolved"

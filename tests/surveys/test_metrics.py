import datetime as dt

import pytest
from django.utils import timezone

from surveys.definitions import SurveyType
from surveys.models import Answer, Invitation
from tests.surveys import metrics as survey_metrics
from tests.surveys.conftest import Surveyed, delivered_sale, sent_message

pytestmark = pytest.mark.django_db


def answers(
    survey_type: str, scores: list[int], *, flagged: bool = False, ces=None, at: dt.datetime | None = None
):
    """Answers as the answer page leaves them, one invitation each (metrics read the table)."""
    for score in scores:
        invitation = Surveyed(sent_message(sale=delivered_sale())).invitation
        Answer.objects.create(
            invitation=invitation,
            customer=invitation.customer,
            survey_type=survey_type,
            score=score,
            ces_score=ces,
            flagged=flagged,
            answered_at=at or timezone.now(),
        )


def this_week():
    now = timezone.now()
    return {"start": now - dt.timedelta(days=7), "end": now + dt.timedelta(minutes=1)}


def test_nps_is_promoters_percent_minus_detractors_percent():
    answers(SurveyType.NPS, [10, 9, 9, 8, 7, 6, 0, 10])  # 4 promoters, 2 passives, 2 detractors
    result = survey_metrics.nps(**this_week())
    assert (result.promoters, result.passives, result.detractors, result.responses) == (4, 2, 2, 8)
    assert result.score == 25.0


def test_csat_is_the_share_of_fours_and_fives():
    answers(SurveyType.CSAT, [5, 4, 3, 1])
    result = survey_metrics.csat(**this_week())
    assert (result.score, result.responses, result.satisfied) == (50.0, 4, 2)


def test_ces_is_the_average_effort_answer():
    answers(SurveyType.CSAT, [4], ces=6)
    answers(SurveyType.CSAT, [5], ces=3)
    answers(SurveyType.CES, [7])
    assert survey_metrics.ces(**this_week()).score == pytest.approx(16 / 3, abs=0.01)


def test_flagged_answers_and_other_periods_are_left_out():
    answers(SurveyType.NPS, [10])
    answers(SurveyType.NPS, [0, 0, 0], flagged=True)
    answers(SurveyType.NPS, [0], at=timezone.now() - dt.timedelta(days=30))
    answers(SurveyType.CSAT, [1], flagged=True, ces=1)
    assert survey_metrics.nps(**this_week()).score == 100.0
    assert survey_metrics.csat(**this_week()).responses == 0
    assert survey_metrics.ces(**this_week()).score is None


def test_no_answers_give_no_score_rather_than_zero():
    assert survey_metrics.nps(**this_week()).score is None
    assert survey_metrics.csat(**this_week()).score is None


def test_response_rate_counts_invitations_a_person_answered():
    answers(SurveyType.NPS, [9])
    Surveyed(sent_message(sale=delivered_sale()))
    Invitation.objects.filter(answer__isnull=False).update(answered_at=timezone.now())
    assert survey_metrics.response_rate(**this_week()) == 50.0


def test_each_metric_is_one_query(django_assert_num_queries):
    answers(SurveyType.NPS, [9, 3])
    with django_assert_num_queries(3):
        survey_metrics.nps(**this_week())
        survey_metrics.csat(**this_week())
        survey_metrics.ces(**this_week())

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from surveys.models import Answer
from tests.surveys.conftest import Surveyed, answer_as_person, delivered_sale, sent_message
from tests.surveys.test_scanners import scanner_posts

pytestmark = pytest.mark.django_db
URL = "/api/v1/survey-answers/"


@pytest.fixture
def answered(browser, nps_survey, case_survey):
    answer_as_person(browser, nps_survey, score=3, comment="Regular", reasons=["delivery_late"])
    answer_as_person(browser, case_survey, score=5, ces_score=7)
    scanner_posts(Surveyed(sent_message(sale=delivered_sale())), score=0)
    return nps_survey, case_survey


def test_support_lists_answers_with_their_fields(support_client, answered):
    nps_survey, _case = answered
    body = support_client.get(URL).json()
    assert body["count"] == 3
    row = next(r for r in body["results"] if r["survey_type"] == "nps" and not r["flagged"])
    sale = nps_survey.invitation.sale
    assert row["order_id"] == sale.external_id
    assert row["customer_external_id"] == sale.customer.external_id
    assert (row["score"], row["comment"], row["reasons"]) == (3, "Regular", ["delivery_late"])
    assert row["opened_case"] is not None
    detail = support_client.get(f"{URL}{row['id']}/").json()
    assert detail == row


@pytest.mark.parametrize(
    "query, expected",
    [
        ("survey_type=csat", 1),
        ("flagged=true", 1),
        ("flagged=false", 2),
    ],
)
def test_answers_filter_by_type_and_flag(support_client, answered, query, expected):
    assert support_client.get(f"{URL}?{query}").json()["count"] == expected


def test_answers_filter_by_customer_and_period(support_client, answered):
    nps_survey, _case = answered
    customer = nps_survey.invitation.customer
    assert support_client.get(f"{URL}?customer={customer.pk}").json()["count"] == 1
    soon = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    assert support_client.get(URL, {"answered_after": soon}).json()["count"] == 0
    assert support_client.get(URL, {"answered_before": soon}).json()["count"] == 3


def test_answers_are_read_only(support_client, answered):
    assert support_client.post(URL, {"score": 10}).status_code in (403, 405)
    assert support_client.delete(f"{URL}{Answer.objects.first().pk}/").status_code in (403, 405)
    assert Answer.objects.count() == 3


def test_a_user_without_the_view_permission_gets_403(client, answered):
    client.force_login(User.objects.create_user("nadie", password="x"))
    assert client.get(URL).status_code == 403


def test_the_list_runs_a_fixed_number_of_queries(support_client, answered, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert support_client.get(URL).status_code == 200

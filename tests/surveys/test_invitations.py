import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from followups.models import Kind
from postsale.lib.tokens import token_hash
from surveys.invitations import invitation_for_message
from surveys.models import Invitation, InvitationToken
from tests.customers.factories import CustomerFactory
from tests.surveys.conftest import Surveyed, delivered_sale, sent_message, token_of

pytestmark = pytest.mark.django_db
KEYS = {"question", "scale", "answer_url", "low_label", "high_label", "expires_at"}


def test_a_survey_mail_gets_an_nps_question_with_one_link_per_score(nps_survey, settings):
    context = nps_survey.context
    assert KEYS <= set(context)
    assert [score for score, _url in context["scale"]] == list(range(0, 11))
    assert context["question"] == "¿Qué probabilidad hay de que nos recomiendes a un amigo o colega?"
    assert context["low_label"] == "Nada probable"
    answer_url = context["answer_url"]
    assert answer_url.startswith(settings.SITE_URL + "/c/s/")
    assert dict(context["scale"])[9] == answer_url + "?score=9"
    assert context["expires_at"] > timezone.now() + dt.timedelta(days=29)
    assert nps_survey.invitation.survey_type == "nps"


def test_a_case_survey_asks_csat_in_the_customers_language(case_survey):
    context = case_survey.context
    assert [score for score, _url in context["scale"]] == [1, 2, 3, 4, 5]
    assert context["question"] == "How satisfied are you with how we handled your problem?"
    assert case_survey.invitation.survey_type == "csat"
    assert case_survey.invitation.asks_effort
    assert case_survey.invitation.complaint_id is not None
    assert case_survey.invitation.sale_id is not None


def test_a_retried_send_keeps_one_invitation_and_both_links_work(nps_survey):
    again = invitation_for_message(nps_survey.message)
    assert Invitation.objects.count() == 1
    assert token_of(again["answer_url"]) != nps_survey.token
    links = InvitationToken.objects.filter(invitation=nps_survey.invitation)
    assert links.count() == 2
    assert set(links.values_list("message_id", flat=True)) == {nps_survey.message.pk}


def test_a_survey_mail_can_ask_csat_instead(db):
    sale = delivered_sale()
    survey = Surveyed(sent_message(sale=sale, data={"survey_type": "csat"}))
    assert survey.invitation.survey_type == "csat"
    assert not survey.invitation.asks_effort and survey.invitation.asks_buy_again


def test_tokens_are_long_random_and_only_their_hashes_are_stored(nps_survey):
    assert len(nps_survey.token) * 6 >= 128  # url-safe base64 holds 6 bits a character
    tokens = {token_of(invitation_for_message(nps_survey.message)["answer_url"]) for _ in range(50)}
    assert len(tokens | {nps_survey.token}) == 51
    stored = set(InvitationToken.objects.values_list("token_hash", flat=True))
    assert token_hash(nps_survey.token) in stored
    assert not stored & (tokens | {nps_survey.token})


def test_no_raw_token_anywhere_in_the_database(nps_survey):
    with connection.cursor() as cursor:
        tables = [t for t in connection.introspection.table_names(cursor) if t.startswith("surveys_")]
        for table in tables:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (our own table names)
            for row in cursor.fetchall():
                assert not any(nps_survey.token in str(value) for value in row), table


def test_a_reminder_mail_asks_the_same_invitation_with_a_new_link(nps_survey):
    reminder = sent_message(
        sale=nps_survey.invitation.sale,
        kind=Kind.SURVEY,
        data={"reminder_of_invitation": nps_survey.invitation.pk},
    )
    context = invitation_for_message(reminder)
    link = InvitationToken.objects.get(message=reminder)
    assert link.invitation == nps_survey.invitation
    assert token_of(context["answer_url"]) != nps_survey.token
    assert Invitation.objects.count() == 1


def test_an_english_customer_gets_english_labels(db):
    sale = delivered_sale(customer=CustomerFactory(language="en"))
    context = Surveyed(sent_message(sale=sale)).context
    assert context["low_label"] == "Not at all likely"
    assert context["high_label"] == "Extremely likely"

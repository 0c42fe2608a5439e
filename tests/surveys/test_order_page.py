import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.choices import DeliveryStatus, TimelineKind
from followups.models import Kind
from surveys.models import Invitation, InvitationToken
from tests.customers.factories import ComplaintFactory, CustomerFactory, DeliveryFactory
from tests.surveys.conftest import Surveyed, answer_as_person, sent_message, token_of

pytestmark = pytest.mark.django_db


def order_path(message) -> str:
    return reverse("survey:order", args=[message.page_token])


def test_the_order_page_shows_status_dates_carrier_and_tracking(browser):
    customer = CustomerFactory(name="Marta López García", language="es")
    delivery = DeliveryFactory(
        sale__customer=customer,
        status=DeliveryStatus.IN_TRANSIT,
        carrier="SEUR",
        tracking_number="TRK123456",
        estimated_date=timezone.localdate() + dt.timedelta(days=2),
    )
    message = sent_message(kind=Kind.THANK_YOU, sale=delivery.sale)
    response = browser.get(order_path(message))
    body = response.content.decode()
    assert response.status_code == 200
    assert delivery.sale.external_id in body and "SEUR" in body and "TRK123456" in body
    assert "Marta" in body and "López" not in body and customer.email not in body
    assert f"{delivery.promised_date.day}" in body and f"{delivery.estimated_date.day}" in body
    assert "/c/s/" not in body  # no survey yet


def test_the_order_page_links_the_pending_survey_and_the_same_link_on_reload(browser, nps_survey):
    page = browser.get(order_path(nps_survey.message)).content.decode()
    again = browser.get(order_path(nps_survey.message)).content.decode()
    links = [line for line in page.split('"') if line.startswith("/c/s/")]
    assert len(links) == 1 and links[0] in again
    assert InvitationToken.objects.filter(invitation=nps_survey.invitation).count() == 2
    with CaptureQueriesContext(connection) as reload:
        assert links[0] in browser.get(order_path(nps_survey.message)).content.decode()
    # (on PostgreSQL the page's SELECTs run as EXECUTEs of prepared statements)
    writes = [
        q["sql"] for q in reload.captured_queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == [], "a reload of the order page writes nothing"
    # That link opens the same invitation, in the answer page.
    assert browser.get(links[0]).status_code == 200
    assert token_of(links[0]) != nps_survey.token


def test_an_answered_survey_is_no_longer_offered(browser, nps_survey):
    answer_as_person(browser, nps_survey, score=9)
    page = browser.get(order_path(nps_survey.message)).content.decode()
    assert "/c/s/" not in page


def test_the_order_page_shows_an_open_case_by_status_only(browser, nps_survey):
    sale = nps_survey.invitation.sale
    case = ComplaintFactory(
        customer=sale.customer, sale=sale, status="in_progress", description="Texto interno de soporte"
    )
    body = browser.get(order_path(nps_survey.message)).content.decode()
    assert f"caso n.º {case.pk}" in body
    assert "Texto interno de soporte" not in body


def test_a_late_order_offers_the_delay_choice_while_the_notice_is_unanswered(browser):
    delivery = DeliveryFactory(
        status=DeliveryStatus.DELAYED, estimated_date=timezone.localdate() + dt.timedelta(days=9)
    )
    thanks = sent_message(kind=Kind.THANK_YOU, sale=delivery.sale)
    notice = sent_message(kind=Kind.DELAY_NOTICE, sale=delivery.sale)
    delay_url = reverse("mail:delay", args=[notice.page_token])
    for message in (notice, thanks):  # from the notice itself or any other mail of the order
        assert delay_url in browser.get(order_path(message)).content.decode()
    assert browser.get(delay_url).status_code == 200
    notice.data = {"choice": "accept"}
    notice.save()
    assert delay_url not in browser.get(order_path(notice)).content.decode()


def test_unknown_order_links_get_the_not_valid_page(browser):
    response = browser.get("/c/o/not-a-token/")
    assert response.status_code == 404


def test_an_order_page_link_of_a_message_without_a_sale_is_not_valid(browser):
    message = sent_message(kind=Kind.BIRTHDAY, customer=CustomerFactory())
    assert browser.get(order_path(message)).status_code == 404


def test_the_order_page_runs_a_fixed_number_of_queries(browser, nps_survey, django_assert_max_num_queries):
    browser.get(order_path(nps_survey.message))
    with django_assert_max_num_queries(6):
        assert browser.get(order_path(nps_survey.message)).status_code == 200
    assert Invitation.objects.count() == 1
    assert not nps_survey.invitation.customer.timeline.filter(kind=TimelineKind.SURVEY_ANSWER).exists()


def test_a_case_survey_reached_from_the_order_page_is_the_case_survey(browser, case_survey):
    assert isinstance(case_survey, Surveyed)
    body = browser.get(order_path(case_survey.message)).content.decode()
    link = next(part for part in body.split('"') if part.startswith("/c/s/"))
    assert "How easy was it" in browser.get(link).content.decode()

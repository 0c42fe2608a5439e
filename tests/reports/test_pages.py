"""Where staff see the purchase model: the at-risk report and the customer page."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest

from reports.models import CustomerPrediction, PredictionSettings
from reports.predictions import purchase_model_refit
from tests.reports.histories import every, histories_load, simulated_population

AS_OF = dt.date(2026, 6, 30)
URL = "/reports/at-risk/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def customers():
    histories = simulated_population(560, start=dt.date(2024, 7, 1), end=AS_OF)
    histories["STOPPED"] = every(5, first=AS_OF - dt.timedelta(weeks=71), times=11, amount="80.00")
    histories["NEWCOMER"] = [(AS_OF - dt.timedelta(days=6), Decimal("35.00"))]
    return histories_load(histories)


@pytest.fixture
def fitted(customers):
    purchase_model_refit(as_of=AS_OF)
    return customers


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_at_risk_report_lists_them_with_the_fit_and_the_holdout_check(
    fitted, manager_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = manager_client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    at_risk = CustomerPrediction.objects.filter(at_risk=True).count()
    assert f'id="at-risk-count">{at_risk}<' in html
    assert "Bought every 5 weeks for 12 months, nothing for 21 weeks." in html
    assert html.count("<rect ") == 20  # the P(alive) histogram, drawn here
    assert 'id="holdout"' in html and "r = " in html
    assert not re.search(r"<script(?![^>]*src=\"/static/)", html)  # our own files only


def test_the_list_sorts_by_any_column_and_pages(fitted, manager_client):
    ordered = list(
        CustomerPrediction.objects.filter(at_risk=True)
        .order_by("p_alive", "customer_id")
        .values_list("customer__name", flat=True)
    )
    response = manager_client.get(URL, {"sort": "p_alive"})
    assert [p.customer.name for p in response.context["page_obj"].object_list] == ordered[:50]
    response = manager_client.get(URL, {"sort": "-value"})
    values = [p.value for p in response.context["page_obj"].object_list]
    assert values == sorted(values, reverse=True)
    assert manager_client.get(URL, {"sort": "customer__email"}).context["sort"] == "-value"
    assert manager_client.get(URL, {"page": "999"}).status_code == 200


def test_the_csv_export_holds_the_whole_list_in_order(fitted, manager_client):
    rows = csv_rows(manager_client.get(URL, {"format": "csv", "sort": "-spend"}))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Customer id", "Name", "E-mail", "P(alive)"]
    assert len(body) == CustomerPrediction.objects.filter(at_risk=True).count()
    spends = [Decimal(row[7]) for row in body]
    assert spends == sorted(spends, reverse=True)
    assert ["STOPPED"] == [row[0] for row in body if row[0] == "STOPPED"]


def test_the_csv_export_neutralises_formulas(fitted, manager_client):
    stopped = fitted["STOPPED"]
    stopped.name = '=HYPERLINK("http://evil.example")'
    stopped.email = "+1@x.example"
    stopped.save()
    rows = csv_rows(manager_client.get(URL, {"format": "csv"}))
    row = next(r for r in rows if r[0] == "STOPPED")
    assert row[1] == '\'=HYPERLINK("http://evil.example")' and row[2] == "'+1@x.example"


def test_managers_set_the_threshold_and_a_bad_one_is_a_form_error(fitted, manager_client):
    response = manager_client.post("/reports/at-risk/threshold/", {"at_risk_threshold": "0.1"})
    assert response.status_code == 302
    assert PredictionSettings.current().at_risk_threshold == 0.1
    assert not CustomerPrediction.objects.filter(at_risk=True, p_alive__gte=0.1).exists()
    response = manager_client.post("/reports/at-risk/threshold/", {"at_risk_threshold": "1.2"})
    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 1" in response.content.decode()
    assert PredictionSettings.current().at_risk_threshold == 0.1


def test_the_report_is_for_managers(fitted, support_client):
    from django.test import Client

    assert support_client.get(URL).status_code == 403
    assert support_client.post("/reports/at-risk/threshold/", {"at_risk_threshold": "0.2"}).status_code == 403
    assert support_client.get(URL, {"format": "csv"}).status_code == 403
    anonymous = Client().get(URL)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_a_shop_with_too_little_history_sees_why(manager_client):
    histories_load(simulated_population(40, start=dt.date(2024, 7, 1), end=AS_OF))
    purchase_model_refit(as_of=AS_OF)
    html = manager_client.get(URL).content.decode()
    assert "Only 40 customers have bought so far" in html
    assert 'id="at-risk"' not in html


def test_before_any_fit_the_report_says_how_to_get_one(manager_client):
    assert "fit_purchase_model" in manager_client.get(URL).content.decode()


def test_the_customer_page_shows_p_alive_expectations_reason_and_trend(
    customers, support_client, django_assert_max_num_queries
):
    purchase_model_refit(as_of=AS_OF - dt.timedelta(weeks=1))
    purchase_model_refit(as_of=AS_OF)
    stopped = customers["STOPPED"]
    score = CustomerPrediction.objects.get(customer=stopped)
    url = f"/customers/{stopped.pk}/"
    support_client.get(url)
    with django_assert_max_num_queries(15):  # 14, and the history of changes
        html = support_client.get(url).content.decode()
    assert 'id="prediction"' in html
    assert f"<strong>{score.p_alive:.2f}</strong>" in html and "At risk" in html
    assert "Bought every 5 weeks for 12 months, nothing for 21 weeks." in html
    assert "<polyline" in html  # two weekly scores: a trend line


def test_the_customer_page_of_a_newcomer_shows_1(customers, support_client):
    purchase_model_refit(as_of=AS_OF)
    html = support_client.get(f"/customers/{customers['NEWCOMER'].pk}/").content.decode()
    assert "<strong>1.00</strong>" in html and "One purchase, 6 days ago" in html


def test_the_customer_page_in_spanish(fitted, support_client):
    support_client.cookies["django_language"] = "es"
    html = support_client.get(
        f"/customers/{fitted['STOPPED'].pk}/", HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "Compraba cada 5 semanas durante 12 meses y nada desde hace 21 semanas." in html


def test_a_failed_night_keeps_the_previous_scores_on_show_and_says_so(fitted, manager_client):
    from reports.models import PurchaseModelFit

    PurchaseModelFit.objects.create(
        as_of=AS_OF + dt.timedelta(days=1), status="failed", message="the optimiser did not converge"
    )
    html = manager_client.get(URL).content.decode()
    assert 'id="fit-failed"' in html and "did not converge" in html
    assert 'id="at-risk"' in html and "Bought every 5 weeks" in html

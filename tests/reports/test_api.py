"""The purchase model through the REST API: the metrics endpoint and the customers' two fields."""

import datetime as dt

import pytest

from reports.models import CustomerPrediction, PurchaseModelFit
from reports.predictions import purchase_model_refit
from tests.customers import api_helpers
from tests.reports.histories import every, histories_load, simulated_population

AS_OF = dt.date(2026, 6, 30)
pytestmark = pytest.mark.django_db


def api_client(user=None):
    client = api_helpers.api_client(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def fitted():
    histories = simulated_population(560, start=dt.date(2024, 7, 1), end=AS_OF)
    histories["STOPPED"] = every(5, first=AS_OF - dt.timedelta(weeks=71), times=11)
    customers = histories_load(histories)
    return purchase_model_refit(as_of=AS_OF), customers


def test_metrics_carry_the_fit_as_of_end_and_the_share_at_risk(fitted, manager):
    fit, _customers = fitted
    body = api_client(manager).get("/api/v1/metrics/", {"end": "2026-07-15"}).json()
    model = body["purchase_model"]
    assert body["end"] == "2026-07-15"
    assert (model["r"], model["alpha"], model["a"], model["b"]) == (fit.r, fit.alpha, fit.a, fit.b)
    assert model["customers"] == 561 and model["as_of"] == "2026-06-30"
    assert body["at_risk"]["count"] == CustomerPrediction.objects.filter(at_risk=True).count() > 0
    assert body["at_risk"]["share"] == pytest.approx(body["at_risk"]["count"] / 561)


def test_metrics_before_any_fit_say_so(fitted, manager):
    body = api_client(manager).get("/api/v1/metrics/", {"end": "2026-06-29"}).json()
    assert body["purchase_model"] is None and body["at_risk"] is None
    assert "not been fitted" in body["purchase_model_message"]


def test_metrics_of_a_shop_with_too_little_history_say_why(manager):
    histories_load(simulated_population(50, start=dt.date(2024, 7, 1), end=AS_OF))
    purchase_model_refit(as_of=AS_OF)
    body = api_client(manager).get("/api/v1/metrics/", {"end": "2026-06-30"}).json()
    assert body["purchase_model"] is None
    assert body["purchase_model_message"].startswith("Only 50 customers have bought")


@pytest.mark.parametrize(
    "query", [{"end": "2026-13-01"}, {"end": "yesterday"}, {"start": "2026-07-01", "end": "2026-06-01"}]
)
def test_metrics_reject_a_bad_date_with_a_400(manager, query):
    response = api_client(manager).get("/api/v1/metrics/", query)
    assert response.status_code == 400
    assert set(response.json()) <= {"start", "end"}


def test_metrics_are_for_managers(support):
    assert api_client(support).get("/api/v1/metrics/").status_code == 403
    assert api_client().get("/api/v1/metrics/").status_code == 401


def test_each_customer_carries_p_alive_and_expected_purchases(fitted, support, django_assert_max_num_queries):
    _fit, customers = fitted
    api = api_client(support)
    stopped = customers["STOPPED"]
    body = api.get(f"/api/v1/customers/{stopped.pk}/").json()
    prediction = CustomerPrediction.objects.get(customer=stopped)
    assert body["p_alive"] == prediction.p_alive
    assert body["expected_purchases_52w"] == prediction.expected_52w
    with django_assert_max_num_queries(5):
        page = api.get("/api/v1/customers/").json()["results"]
    assert len(page) == 50 and all(row["p_alive"] is not None for row in page)


def test_a_customer_without_a_score_has_nulls(support):
    from tests.customers.factories import CustomerFactory

    customer = CustomerFactory()
    body = api_client(support).get(f"/api/v1/customers/{customer.pk}/").json()
    assert body["p_alive"] is None and body["expected_purchases_52w"] is None
    assert PurchaseModelFit.objects.count() == 0

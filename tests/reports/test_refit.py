"""The nightly refit on small synthetic shops: who scores low, who scores 1, and that it repeats."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from reports.models import CustomerPrediction, PredictionHistory, PredictionSettings, PurchaseModelFit
from reports.predictions import (
    at_risk_ids,
    p_alive_by_customer,
    prediction_threshold_set,
    purchase_model_refit,
    trend,
)
from reports.reasons import fit_status_text
from tests.customers.factories import CustomerFactory, SaleFactory
from tests.reports.histories import every, histories_load, simulated_population

AS_OF = dt.date(2026, 6, 30)
START = dt.date(2024, 7, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    histories = simulated_population(700, start=START, end=AS_OF)
    histories["STOPPED"] = every(5, first=AS_OF - dt.timedelta(weeks=71), times=11)
    histories["STEADY"] = every(5, first=AS_OF - dt.timedelta(weeks=51), times=11)
    histories["NEWCOMER"] = [(AS_OF - dt.timedelta(days=6), Decimal("35.00"))]
    return histories_load(histories)


def prediction(customer) -> CustomerPrediction:
    return CustomerPrediction.objects.get(customer=customer)


def test_a_regular_buyer_who_stopped_scores_low_and_is_at_risk_with_the_reason(shop):
    fit = purchase_model_refit(as_of=AS_OF)
    assert fit.status == PurchaseModelFit.Status.OK
    stopped = prediction(shop["STOPPED"])
    assert stopped.p_alive < 0.4
    assert stopped.valuable and stopped.at_risk
    assert stopped.repeat_purchases == 10
    assert stopped.reason == "Bought every 5 weeks for 12 months, nothing for 21 weeks."
    assert shop["STOPPED"].pk in at_risk_ids([shop["STOPPED"].pk, shop["STEADY"].pk])


def test_the_same_rhythm_still_going_scores_high_and_expects_purchases(shop):
    purchase_model_refit(as_of=AS_OF)
    steady, stopped = prediction(shop["STEADY"]), prediction(shop["STOPPED"])
    assert steady.p_alive > 0.9 and not steady.at_risk
    assert steady.expected_52w > 3 > stopped.expected_52w
    assert steady.expected_13w < steady.expected_52w
    assert steady.value > 0


def test_a_new_one_time_buyer_scores_1(shop):
    purchase_model_refit(as_of=AS_OF)
    newcomer = prediction(shop["NEWCOMER"])
    assert newcomer.p_alive == 1.0
    assert not newcomer.at_risk
    assert newcomer.reason.startswith("One purchase, 6 days ago")
    assert p_alive_by_customer([shop["NEWCOMER"].pk]) == {shop["NEWCOMER"].pk: 1.0}


def test_the_fit_is_deterministic(shop):
    first = purchase_model_refit(as_of=AS_OF)
    scores = list(CustomerPrediction.objects.order_by("pk").values_list("pk", "p_alive", "expected_52w"))
    again = purchase_model_refit(as_of=AS_OF)
    assert (first.r, first.alpha, first.a, first.b, first.p, first.q, first.gamma) == (
        again.r,
        again.alpha,
        again.a,
        again.b,
        again.p,
        again.q,
        again.gamma,
    )
    assert (
        list(CustomerPrediction.objects.order_by("pk").values_list("pk", "p_alive", "expected_52w")) == scores
    )
    assert PurchaseModelFit.objects.count() == 1  # the second run replaced the first


def test_the_fit_records_what_it_saw_and_the_holdout_check(shop):
    fit = purchase_model_refit(as_of=AS_OF)
    assert fit.buyers == CustomerPrediction.objects.count() == 703
    assert fit.fit_sample == 703
    assert fit.at_risk == CustomerPrediction.objects.filter(at_risk=True).count() > 0
    assert sum(fit.p_alive_histogram) == 703 and len(fit.p_alive_histogram) == 20
    assert fit.holdout["weeks"] == 13 and fit.holdout["cut"] == "2026-03-31"
    assert sum(row["customers"] for row in fit.holdout["by_frequency"]) == fit.holdout["customers"]
    assert fit.holdout["predicted"] == pytest.approx(fit.holdout["actual"], rel=0.5)


def test_sales_after_as_of_are_not_seen(shop):
    histories_load({"LATE": [(AS_OF + dt.timedelta(days=1), Decimal("10.00"))]})
    fit = purchase_model_refit(as_of=AS_OF)
    assert fit.buyers == 703
    assert not CustomerPrediction.objects.filter(customer__external_id="LATE").exists()


def test_a_shop_with_fewer_than_500_buyers_gets_no_prediction_and_says_why():
    histories_load(simulated_population(300, start=START, end=AS_OF))
    fit = purchase_model_refit(as_of=AS_OF)
    assert fit.status == PurchaseModelFit.Status.INSUFFICIENT
    assert fit.r is None and not CustomerPrediction.objects.exists()
    assert fit_status_text(fit).startswith("Only 300 customers have bought so far")


def test_a_shop_with_less_than_26_weeks_of_sales_gets_no_prediction():
    histories_load(simulated_population(600, start=AS_OF - dt.timedelta(weeks=20), end=AS_OF))
    fit = purchase_model_refit(as_of=AS_OF)
    assert fit.status == PurchaseModelFit.Status.INSUFFICIENT
    assert not CustomerPrediction.objects.exists()
    assert "needs at least 26 weeks" in fit_status_text(fit)


def test_a_shop_that_falls_short_after_a_good_fit_loses_its_old_scores(shop):
    purchase_model_refit(as_of=AS_OF)
    fit = purchase_model_refit(as_of=dt.date(2024, 9, 1))  # two months of sales by then
    assert fit.status == PurchaseModelFit.Status.INSUFFICIENT
    assert not CustomerPrediction.objects.exists()


def test_the_managers_threshold_reflags_the_scores_and_the_fit(shop):
    fit = purchase_model_refit(as_of=AS_OF)
    prediction_threshold_set(threshold=0.05)
    fewer = CustomerPrediction.objects.filter(at_risk=True).count()
    assert fewer < fit.at_risk
    assert PurchaseModelFit.objects.get().at_risk == fewer
    prediction_threshold_set(threshold=0.5)
    assert CustomerPrediction.objects.filter(at_risk=True).count() == fit.at_risk
    assert not CustomerPrediction.objects.filter(at_risk=True, valuable=False).exists()


def test_the_threshold_is_kept_between_0_and_1():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        prediction_threshold_set(threshold=1.5)
    assert PredictionSettings.current().at_risk_threshold == 0.5


def test_the_trend_keeps_one_score_a_week(shop):
    purchase_model_refit(as_of=AS_OF - dt.timedelta(weeks=2))
    purchase_model_refit(as_of=AS_OF - dt.timedelta(weeks=1))
    purchase_model_refit(as_of=AS_OF - dt.timedelta(weeks=1, days=-1))  # same week: not kept again
    purchase_model_refit(as_of=AS_OF)
    customer = shop["STOPPED"]
    assert PredictionHistory.objects.filter(customer=customer).count() == 3
    points = trend(customer.pk, prediction(customer))
    assert [day for day, _p in points] == [
        dt.date(2026, 6, 15),
        dt.date(2026, 6, 22),
        dt.date(2026, 6, 29),
        AS_OF,
    ]
    assert points[-1][1] == prediction(customer).p_alive
    # Fewer purchases seen as time passes without one: the score only falls.
    assert [p for _day, p in points] == sorted((p for _day, p in points), reverse=True)


def test_the_verdict_moves_the_lifecycle_stage(django_capture_on_commit_callbacks):
    """The model's at-risk verdict reaches the customer and their stage, and leaves with it."""
    from customers.models import Customer
    from reports.predictions import verdicts_to_customers

    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        verdicts_to_customers()
    assert Customer.objects.get(pk=customer.pk).predicted_at_risk is None
    now = timezone.now()
    CustomerPrediction.objects.create(
        customer=customer,
        as_of=now.date(),
        fitted_at=now,
        repeat_purchases=4,
        weeks_to_last=20,
        weeks_since_first=60,
        spend=100,
        p_alive=0.1,
        expected_13w=0.1,
        expected_52w=0.3,
        value=10,
        valuable=True,
        at_risk=True,
    )
    SaleFactory(customer=customer, ordered_at=now - dt.timedelta(days=30))
    SaleFactory(customer=customer, ordered_at=now - dt.timedelta(days=60))
    SaleFactory(customer=customer, ordered_at=now - dt.timedelta(days=90))
    with django_capture_on_commit_callbacks(execute=True):
        assert verdicts_to_customers() == 1
    stored = Customer.objects.get(pk=customer.pk)
    assert stored.predicted_at_risk is True and stored.lifecycle_stage == "at_risk"
    CustomerPrediction.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert verdicts_to_customers() == 1
    stored = Customer.objects.get(pk=customer.pk)
    assert stored.predicted_at_risk is None and stored.lifecycle_stage == "loyal"

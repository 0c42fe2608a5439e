"""The purchase model against the paper: Fader, Hardie and Lee (2005) on the CDNOW sample.

39-week calibration (1997-01-01 to 1997-09-30), 39-week holdout (to 1998-06-30); time in weeks,
T counted from each customer's first purchase day. See tests/reports/data/README.md.
"""

import datetime as dt

import numpy as np
import pytest

from reports import purchase_model as pm
from reports.predictions import holdout_check, model_inputs
from reports.purchase_data import purchase_summary
from tests.reports.histories import cdnow_histories, histories_load

CALIBRATION_END = dt.date(1997, 9, 30)
HOLDOUT_END = dt.date(1998, 6, 30)


def calibration_inputs():
    """x, t_x, T from the file with plain Python: the reference the SQL pull must equal."""
    x, t_x, T = [], [], []
    for purchases in cdnow_histories().values():
        days = sorted({day for day, _amount in purchases if day <= CALIBRATION_END})
        x.append(len(days) - 1)
        t_x.append((days[-1] - days[0]).days / 7)
        T.append((CALIBRATION_END - days[0]).days / 7)
    return np.array(x), np.array(t_x), np.array(T)


def test_the_fit_reproduces_the_published_parameters():
    x, t_x, T = calibration_inputs()
    assert len(x) == 2357
    params = pm.bgnbd_fit(x, t_x, T)
    assert (round(params.r, 3), round(params.alpha, 3), round(params.a, 3), round(params.b, 3)) == (
        0.243,
        4.414,
        0.793,
        2.426,
    )
    assert params.log_likelihood == pytest.approx(-9582.4, abs=0.05)


def test_the_papers_example_customer_expects_1_226_purchases_in_39_weeks():
    params = pm.bgnbd_fit(*calibration_inputs())
    expected = pm.conditional_expected(params, 39, [2], [30.43], [38.86])
    assert round(float(expected[0]), 3) == 1.226


def test_the_conditional_expectation_matches_the_papers_formula_unrewritten():
    """The Euler-transformed 2F1 equals equation (10) as printed, where the printed form is finite."""
    from scipy.special import hyp2f1

    params = pm.BGNBDParams(0.243, 4.414, 0.793, 2.426)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x, t_x, T, t = np.array([0, 1, 2, 7, 20]), np.array([0, 3, 30.43, 20, 35]), np.full(5, 38.86), 39
    printed = (
        (a + b + x - 1)
        / (a - 1)
        * (
            1
            - ((alpha + T) / (alpha + T + t)) ** (r + x)
            * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
        )
        / (1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))
    )
    np.testing.assert_allclose(pm.conditional_expected(params, t, x, t_x, T), printed, rtol=1e-9)


def test_the_value_model_reproduces_fader_and_hardies_gamma_gamma_parameters():
    """946 repeat buyers in the calibration period, the mean of their repeat purchases."""
    frequency, mean_value = [], []
    for purchases in cdnow_histories().values():
        by_day: dict[dt.date, float] = {}
        for day, amount in purchases:
            if day <= CALIBRATION_END:
                by_day[day] = by_day.get(day, 0.0) + float(amount)
        repeat = [by_day[day] for day in sorted(by_day)[1:]]
        if repeat:
            frequency.append(len(repeat))
            mean_value.append(sum(repeat) / len(repeat))
    params = pm.gamma_gamma_fit(frequency, mean_value)
    assert len(frequency) == 946
    assert (round(params.p, 2), round(params.q, 2), round(params.gamma, 2)) == (6.25, 3.74, 15.44)


@pytest.mark.django_db
def test_the_shops_own_pull_from_the_sales_table_gives_the_same_fit():
    """The sales as a shop would have them (one sale per row, in the shop's time zone) through
    the same SQL the nightly refit runs."""
    histories_load(cdnow_histories())
    summary = purchase_summary(as_of=CALIBRATION_END, cut=CALIBRATION_END)
    x, t_x, T = model_inputs(summary, CALIBRATION_END)
    reference = calibration_inputs()
    assert len(x) == 2357
    # Customers come back ordered by id; the reference is in file order, which is the same.
    np.testing.assert_array_equal(x, reference[0])
    np.testing.assert_allclose(t_x, reference[1])
    np.testing.assert_allclose(T, reference[2])
    params = pm.bgnbd_fit(x, t_x, T)
    assert round(params.r, 3) == 0.243 and round(params.b, 3) == 2.426


@pytest.mark.django_db
def test_the_39_week_holdout_is_predicted_in_total_and_by_calibration_purchases():
    """The paper's Figure 5: predicted against actual holdout purchases by calibration frequency.

    The numbers here are this implementation's on the sample (the README prints the table): the
    model under-predicts the whole holdout by about 12%, and every group within 35%.
    """
    histories_load(cdnow_histories())
    summary = purchase_summary(as_of=HOLDOUT_END, cut=CALIBRATION_END)
    check = holdout_check(summary, CALIBRATION_END, weeks=39)
    assert (round(check["r"], 3), round(check["a"], 3)) == (0.243, 0.793)
    assert check["customers"] == 2357
    assert check["actual"] == 1882
    assert check["predicted"] == pytest.approx(1653.4, abs=0.1)
    by_x = {row["x"]: row for row in check["by_frequency"]}
    assert [by_x[k]["customers"] for k in range(8)] == [1411, 439, 214, 100, 62, 38, 29, 64]
    for row in check["by_frequency"]:
        per_customer = (row["predicted"] / row["customers"], row["actual"] / row["customers"])
        assert per_customer[0] == pytest.approx(per_customer[1], rel=0.35), row
    # The expectation rises with past purchases, as the actual counts do.
    means = [by_x[k]["predicted"] / by_x[k]["customers"] for k in range(8)]
    assert means == sorted(means)

"""The model's arithmetic on its own: gradients, edge cases, value model."""

import numpy as np
from scipy import optimize

from reports import purchase_model as pm


def test_the_hand_written_gradient_matches_a_numerical_one():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 8, 200).astype(float)
    T = rng.uniform(5, 40, 200)
    t_x = np.where(x > 0, T * rng.uniform(0, 1, 200), 0)
    weights = np.ones(200)

    def ll(log_params):
        return pm._bgnbd_ll_and_gradient(np.exp(log_params), x, t_x, T, weights)[0]

    def gradient(log_params):
        return pm._bgnbd_ll_and_gradient(np.exp(log_params), x, t_x, T, weights)[1]

    at = np.log([0.3, 4.0, 0.8, 2.5])
    np.testing.assert_allclose(gradient(at), optimize.approx_fprime(at, ll, 1e-7), rtol=1e-4)


def test_p_alive_falls_with_silence_and_is_1_without_a_repeat_purchase():
    params = pm.BGNBDParams(0.243, 4.414, 0.793, 2.426)
    silent = pm.p_alive(params, [5, 5, 5], [20, 20, 20], [20, 30, 60])
    assert silent[0] > silent[1] > silent[2]
    assert pm.p_alive(params, [0], [0], [30])[0] == 1.0


def test_frequent_buyers_do_not_overflow_the_expectation():
    params = pm.BGNBDParams(0.243, 4.414, 0.793, 2.426)
    expected = pm.conditional_expected(params, 52, [150, 400], [100, 100], [101, 101])
    assert np.all(np.isfinite(expected)) and expected[1] > expected[0] > 50


def test_the_value_model_shrinks_a_customers_mean_towards_the_population():
    params = pm.GammaGammaParams(6.25, 3.74, 15.44)
    one, many = pm.expected_spend(params, [1, 50], [100.0, 100.0])
    assert params.population_mean < one < many < 100.0

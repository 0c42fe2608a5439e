"""The purchase model, as pure arithmetic over arrays: no Django, no database.

BG/NBD (Fader, Hardie and Lee, "Counting your customers the easy way: an alternative to the
Pareto/NBD model", Marketing Science 24(2), 2005): while alive, a customer buys as a Poisson
process with rate lambda ~ Gamma(r, alpha); after each purchase they leave for good with
probability p ~ Beta(a, b). Each customer is summarised by
    x   repeat transactions (purchase days after the first),
    t_x time of the last one, and T time since the first, both counted from the first purchase,
in weeks. The formulas below are the paper's equations (6), (10) and the P(alive) expression of
its technical note; the Gamma-Gamma value model is Fader, Hardie and Lee, "RFM and CLV: using
iso-value curves for customer base analysis", Journal of Marketing Research 42(4), 2005, and
Fader and Hardie's note "The Gamma-Gamma model of monetary value" (2013).
"""

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

# Deterministic start, on the log scale: the same data always gives the same fit.
_BGNBD_START = np.log([1.0, 1.0, 1.0, 1.0])
_GG_START = np.log([1.0, 1.0, 1.0])


class FitError(RuntimeError):
    """The optimiser did not reach a maximum: the caller keeps the previous scores."""


@dataclass(frozen=True)
class BGNBDParams:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = float("nan")


@dataclass(frozen=True)
class GammaGammaParams:
    p: float
    q: float
    gamma: float

    @property
    def population_mean(self) -> float:
        """E[M] = p gamma / (q - 1): the average spend per purchase of an unseen customer."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else float("nan")


def _as_arrays(*columns):
    return [np.asarray(c, dtype=float) for c in columns]


def bgnbd_log_likelihood(params, x, t_x, T) -> np.ndarray:
    """Each customer's log-likelihood, equation (6): ln A1 + ln A2 + ln(A3 + [x > 0] A4)."""
    r, alpha, a, b = params
    x, t_x, T = _as_arrays(x, t_x, T)
    ln_a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    ln_a2 = special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x)
    ln_a3 = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    # For x = 0 the A4 term is absent: -inf makes logaddexp return ln A3 exactly.
    ln_a4 = np.full_like(x, -np.inf)
    xr = x[repeat]
    ln_a4[repeat] = np.log(a) - np.log(b + xr - 1) - (r + xr) * np.log(alpha + t_x[repeat])
    return ln_a1 + ln_a2 + np.logaddexp(ln_a3, ln_a4)


def _minimise(negative_ll, start, bounds_log, jac=False):
    result = optimize.minimize(
        negative_ll,
        start,
        method="L-BFGS-B",
        bounds=bounds_log,
        jac=jac,
        options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9},
    )
    if not np.all(np.isfinite(result.x)) or not np.isfinite(result.fun):
        raise FitError(f"the optimiser stopped without a finite likelihood: {result.message}")
    if not result.success and "ABNORMAL" not in str(result.message).upper():
        raise FitError(f"the optimiser did not converge: {result.message}")
    return result


def _bgnbd_ll_and_gradient(params, x, t_x, T, counts):
    """The weighted log-likelihood and its gradient on the log scale, by hand: with w3 and w4 the
    shares of A3 and A4 in (A3 + A4), each derivative is the sum of its terms' derivatives."""
    r, alpha, a, b = params
    ll = bgnbd_log_likelihood(params, x, t_x, T)
    repeat = x > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        w3 = np.exp(-(r + x) * np.log(alpha + T) - (ll - _ln_a1_a2(params, x)))
    w4 = np.where(repeat, 1 - w3, 0.0)
    psi_ab, psi_abx = special.digamma(a + b), special.digamma(a + b + x)
    d_r = (
        special.digamma(r + x)
        - special.digamma(r)
        + np.log(alpha)
        - w3 * np.log(alpha + T)
        - w4 * np.log(alpha + t_x)
    )
    d_alpha = r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + t_x))
    d_a = psi_ab - psi_abx + w4 / a
    d_b = (
        psi_ab + special.digamma(b + x) - special.digamma(b) - psi_abx - w4 / np.where(repeat, b + x - 1, 1.0)
    )
    gradient = np.array([(counts * d).sum() for d in (d_r, d_alpha, d_a, d_b)]) * params
    return (counts * ll).sum(), gradient


def _ln_a1_a2(params, x):
    r, alpha, a, b = params
    return (
        special.gammaln(r + x)
        - special.gammaln(r)
        + r * np.log(alpha)
        + special.gammaln(a + b)
        + special.gammaln(b + x)
        - special.gammaln(b)
        - special.gammaln(a + b + x)
    )


def bgnbd_fit(x, t_x, T) -> BGNBDParams:
    """Maximum likelihood for r, alpha, a, b, over their logarithms (so they stay positive).

    Equal customers are weighted once: the sum over distinct (x, t_x, T) rows times their count
    is the same likelihood at a fraction of the cost when times are whole days.
    """
    x, t_x, T = _as_arrays(x, t_x, T)
    if not len(x):
        raise FitError("no customers to fit")
    rows, counts = np.unique(np.column_stack([x, t_x, T]), axis=0, return_counts=True)
    ux, ut, uT = rows[:, 0], rows[:, 1], rows[:, 2]
    total = counts.sum()

    def negative_ll(log_params):
        value, gradient = _bgnbd_ll_and_gradient(np.exp(log_params), ux, ut, uT, counts)
        if not np.isfinite(value):
            return 1e300, np.zeros(4)
        return -value / total, -gradient / total

    # Bounds only keep the optimiser off overflow; no sensible shop sits near them.
    result = _minimise(negative_ll, _BGNBD_START, [(-12.0, 12.0)] * 4, jac=True)
    r, alpha, a, b = np.exp(result.x)
    return BGNBDParams(float(r), float(alpha), float(a), float(b), float(-result.fun * total))


def p_alive(params: BGNBDParams, x, t_x, T) -> np.ndarray:
    """P(alive | x, t_x, T) = 1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x)).

    A customer with no repeat purchase is alive for sure: in this model one can only leave
    right after a purchase.
    """
    x, t_x, T = _as_arrays(x, t_x, T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    with np.errstate(divide="ignore"):
        log_odds = (
            np.log(a)
            - np.log(np.maximum(b + x - 1, 1e-300))
            + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        )
    log_odds = np.where(x > 0, log_odds, -np.inf)
    return special.expit(-log_odds)


def conditional_expected(params: BGNBDParams, t: float, x, t_x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T], equation (10): expected purchases in the next t weeks.

    The paper's ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z) overflows for frequent
    buyers; Euler's transformation 2F1(a,b;c;z) = (1-z)^(c-a-b) 2F1(c-a, c-b; c; z) turns the
    product into (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z), whose terms stay small.
    """
    x, t_x, T = _as_arrays(x, t_x, T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    if abs(a - 1) < 1e-9:  # the formula's 0/0; the limit is continuous, so step beside it
        a = 1 + 1e-9
    z = t / (alpha + T + t)
    c = a + b + x - 1
    bracket = 1 - (1 - z) ** (a - 1) * special.hyp2f1(a + b - 1 - r, a - 1, c, z)
    return (a + b + x - 1) / (a - 1) * bracket * p_alive(params, x, t_x, T)


def unconditional_expected(params: BGNBDParams, t) -> np.ndarray:
    """E[X(t)], equation (9): purchases expected in t weeks from a new customer's first one."""
    t = np.asarray(t, dtype=float)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * special.hyp2f1(r, b, a + b - 1, z))


def gamma_gamma_log_likelihood(params, frequency, monetary) -> np.ndarray:
    """ln of Gamma(px+q) / (Gamma(px) Gamma(q)) gamma^q m^(px-1) x^(px) / (gamma + m x)^(px+q)."""
    p, q, gamma = params
    n, m = _as_arrays(frequency, monetary)
    px = p * n
    return (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(n)
        - (px + q) * np.log(gamma + m * n)
    )


def gamma_gamma_fit(frequency, monetary) -> GammaGammaParams:
    """Maximum likelihood for p, q, gamma from each customer's number of purchases and their mean."""
    n, m = _as_arrays(frequency, monetary)
    keep = (n > 0) & (m > 0)
    n, m = n[keep], m[keep]
    if not len(n):
        raise FitError("no purchases with a value to fit")
    scale = float(np.mean(m))  # fit in units of the mean spend: the optimum is scale-free in gamma
    m = m / scale
    log_n, log_m = np.log(n), np.log(m)

    def negative_ll(log_params):
        # The gradient by hand (digamma terms): a numerical one costs four likelihoods a step.
        p, q, gamma = np.exp(log_params)
        px, log_gm = p * n, np.log(gamma + m * n)
        ll = gamma_gamma_log_likelihood((p, q, gamma), n, m)
        psi = special.digamma(px + q)
        d_p = n * (psi - special.digamma(px) + log_m + log_n - log_gm)
        d_q = psi - special.digamma(q) + np.log(gamma) - log_gm
        d_gamma = q / gamma - (px + q) / (gamma + m * n)
        value = -ll.mean()
        if not np.isfinite(value):
            return 1e300, np.zeros(3)
        return value, -np.array([d_p.mean() * p, d_q.mean() * q, d_gamma.mean() * gamma])

    result = _minimise(negative_ll, _GG_START, [(-10.0, 10.0)] * 3, jac=True)
    p, q, gamma = np.exp(result.x)
    return GammaGammaParams(float(p), float(q), float(gamma * scale))


def expected_spend(params: GammaGammaParams, frequency, monetary) -> np.ndarray:
    """E[M | x, m_x] = (q - 1) / (px + q - 1) E[M] + px / (px + q - 1) m_x: the customer's own mean,
    shrunk towards the population's the fewer purchases it rests on."""
    n, m = _as_arrays(frequency, monetary)
    p, q, gamma = params.p, params.q, params.gamma
    return (gamma + m * n) * p / (p * n + q - 1)

"""Customers at risk, predicted: the nightly refit of the purchase model and the reads of its scores.

The refit (`purchase_model_refit`) pulls every buyer's history in one query, fits BG/NBD (and the
Gamma-Gamma value model) on a fixed-size random sample, scores every buyer with array arithmetic,
and rewrites the score table in one transaction with COPY (batched INSERTs on SQLite). Readers see
the previous scores until it commits. The same pull also carries a holdout check: a second fit
that stops HOLDOUT_WEEKS earlier predicts those weeks, and the report compares with what happened.
"""

import datetime as dt
import logging
import time

import numpy as np
from django.db import transaction
from django.utils import timezone

from customers import services as customer_services
from reports import purchase_model as pm
from reports.models import CustomerPrediction, PredictionHistory, PredictionSettings, PurchaseModelFit
from reports.purchase_data import PurchaseSummary, day_number, purchase_summary
from reports.score_writer import history_snapshot, scores_write

log = logging.getLogger(__name__)

MIN_BUYERS = 500
MIN_WEEKS = 26
HOLDOUT_WEEKS = 13
# The fit reads a random sample this big (every buyer is still scored), so its cost stays fixed
# whatever the shop's size. The parameters' sampling error shrinks as 1/sqrt(n); on the bench's
# million simulated buyers the sample's parameters were within 2.5% of the full fit's and no
# P(alive) moved by more than 0.003 (bench/purchase_model_bench.py prints both), far below
# anything a manager's threshold could tell apart.
FIT_SAMPLE_SIZE = 100_000
SAMPLE_SEED = 20050101  # fixed: the same history always gives the same fit
VALUABLE_SHARE = 0.4
HISTOGRAM_BINS = 20
FREQUENCY_BUCKETS = 7  # the holdout table: 0, 1, ..., 6 and "7 or more" repeat purchases


class ShortHistory(Exception):
    pass


class _Laps:
    """Each phase's seconds in the log: where the nightly budget goes, for the bench and for ops."""

    def __init__(self):
        self.last = time.perf_counter()

    def __call__(self, phase: str) -> None:
        now = time.perf_counter()
        log.info("purchase model refit: %s %.2f s", phase, now - self.last)
        self.last = now


def purchase_model_refit(*, as_of: dt.date | None = None) -> PurchaseModelFit:
    """Fit the purchase model as of a day (default: yesterday, the last whole day), score every
    buyer and record the fit. Safe to run twice: a second run for the same day replaces the first.

    Too little history records the fit as insufficient and removes the scores (no noise shown);
    a failed fit is recorded as failed and leaves the previous scores in place.
    """
    started = time.perf_counter()
    as_of = as_of or timezone.localdate() - dt.timedelta(days=1)
    cut = as_of - dt.timedelta(weeks=HOLDOUT_WEEKS)
    lap = _Laps()
    summary = purchase_summary(as_of=as_of, cut=cut)
    lap(f"pull ({len(summary)} buyers)")
    fit = PurchaseModelFit(
        as_of=as_of,
        fitted_at=timezone.now(),
        buyers=len(summary),
        history_weeks=_history_weeks(summary, as_of),
    )
    try:
        _check_history(len(summary), fit.history_weeks)
        x, t_x, T = model_inputs(summary, as_of)
        scores = _fit_and_score(fit, summary, x, t_x, T, lap)
        fit.holdout = holdout_check(summary, cut)
        lap("holdout check")
    except ShortHistory:
        fit.status = PurchaseModelFit.Status.INSUFFICIENT
        with transaction.atomic():
            CustomerPrediction.objects.all().delete()
            verdicts_to_customers()
            return _fit_save(fit, started)
    except pm.FitError as exc:
        fit.status, fit.message = PurchaseModelFit.Status.FAILED, str(exc)
        return _fit_save(fit, started)
    # The scores, the week's snapshot and the fit row commit together, or not at all.
    with transaction.atomic():
        scores_write(summary=summary, x=x, t_x=t_x, T=T, scores=scores, as_of=as_of, fitted_at=fit.fitted_at)
        lap("write scores")
        history_snapshot(week=as_of - dt.timedelta(days=as_of.weekday()))
        lap("weekly snapshot")
        verdicts_to_customers()
        lap("verdicts onto the customers")
        return _fit_save(fit, started)


def verdicts_to_customers() -> int:
    """The lifecycle stage reads the model's verdict from the customer (customers.lifecycle)."""
    scores = CustomerPrediction.objects
    return customer_services.customers_prediction_apply(
        at_risk_ids=scores.filter(at_risk=True).values("customer_id"), scored_ids=scores.values("customer_id")
    )


def _history_weeks(summary: PurchaseSummary, as_of: dt.date) -> float:
    return (day_number(as_of) - int(summary.first.min())) / 7 if len(summary) else 0.0


def _check_history(buyers: int, weeks: float) -> None:
    if buyers < MIN_BUYERS or weeks < MIN_WEEKS:
        raise ShortHistory


def _fit_save(fit: PurchaseModelFit, started: float) -> PurchaseModelFit:
    fit.seconds = time.perf_counter() - started
    fields = {
        f.attname: getattr(fit, f.attname)
        for f in PurchaseModelFit._meta.concrete_fields
        if f.attname not in ("id", "as_of")
    }
    saved, _created = PurchaseModelFit.objects.update_or_create(as_of=fit.as_of, defaults=fields)
    return saved


def model_inputs(summary: PurchaseSummary, end: dt.date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, t_x and T in weeks, as the paper counts them: from each buyer's first purchase day."""
    x = summary.days - 1
    t_x = (summary.last - summary.first) / 7
    T = (day_number(end) - summary.first) / 7
    return x, t_x, T


def fit_sample(n: int) -> np.ndarray:
    if n <= FIT_SAMPLE_SIZE:
        return np.arange(n)
    rng = np.random.default_rng(SAMPLE_SEED)
    return np.sort(rng.choice(n, size=FIT_SAMPLE_SIZE, replace=False))


def _fit_and_score(fit: PurchaseModelFit, summary: PurchaseSummary, x, t_x, T, lap) -> dict:
    """Fit on the sample, score every buyer, and put the parameters and rollups on the fit."""
    sample = fit_sample(len(summary))
    params = pm.bgnbd_fit(x[sample], t_x[sample], T[sample])
    value_params = _value_fit(summary, sample)
    lap(f"fit ({len(sample)} buyers)")
    scores = score(params, value_params, summary, x, t_x, T)
    threshold = PredictionSettings.current().at_risk_threshold
    scores["at_risk"] = scores["valuable"] & (scores["p_alive"] < threshold)
    lap("score")
    fit.status, fit.fit_sample, fit.threshold = PurchaseModelFit.Status.OK, len(sample), threshold
    fit.r, fit.alpha, fit.a, fit.b, fit.log_likelihood = (
        params.r,
        params.alpha,
        params.a,
        params.b,
        params.log_likelihood,
    )
    if value_params:
        fit.p, fit.q, fit.gamma = value_params.p, value_params.q, value_params.gamma
    fit.at_risk = int(scores["at_risk"].sum())
    fit.p_alive_histogram = np.histogram(scores["p_alive"], bins=HISTOGRAM_BINS, range=(0.0, 1.0))[0].tolist()
    return scores


def _value_fit(summary: PurchaseSummary, sample: np.ndarray) -> pm.GammaGammaParams | None:
    """Gamma-Gamma over each buyer's purchase days and mean spend per day; None when the shop's
    amounts give no finite mean (q <= 1) or none at all."""
    try:
        params = pm.gamma_gamma_fit(summary.days[sample], summary.spend[sample] / summary.days[sample])
    except pm.FitError:
        return None
    return params if params.q > 1 else None


def top_share(values: np.ndarray, share: float) -> np.ndarray:
    """True for values above the (1 - share) quantile: at most `share` of them, fewer on ties
    (when most customers bought once, "bought more than once" is the whole top by frequency)."""
    return values > np.quantile(values, 1 - share, method="lower")


def score(params, value_params, summary, x, t_x, T) -> dict[str, np.ndarray]:
    e52 = pm.conditional_expected(params, 52, x, t_x, T)
    scores = {
        "p_alive": pm.p_alive(params, x, t_x, T),
        "expected_13w": pm.conditional_expected(params, 13, x, t_x, T),
        "expected_52w": e52,
        "valuable": top_share(summary.spend, VALUABLE_SHARE) | top_share(summary.days, VALUABLE_SHARE),
        "value": None,
    }
    if value_params:
        scores["value"] = e52 * pm.expected_spend(value_params, summary.days, summary.spend / summary.days)
    return scores


def holdout_check(summary: PurchaseSummary, cut: dt.date, weeks: int = HOLDOUT_WEEKS) -> dict:
    """Fit on the history up to `cut`, predict the `weeks` after it for the buyers known by
    then, and set that beside the purchase days they actually had: in total and by how many
    repeat purchases each had made before the cut (the paper's Figure 5)."""
    known = summary.take(np.flatnonzero(summary.first <= day_number(cut)))
    calibration = PurchaseSummary(
        customer_id=known.customer_id,
        days=known.days_before_cut,
        first=known.first,
        last=known.last_before_cut,
        spend=known.spend,
        days_before_cut=known.days_before_cut,
        last_before_cut=known.last_before_cut,
    )
    try:
        _check_history(len(calibration), _history_weeks(calibration, cut))
    except ShortHistory:
        return {"weeks": weeks, "cut": cut.isoformat(), "customers": len(calibration), "insufficient": True}
    x, t_x, T = model_inputs(calibration, cut)
    sample = fit_sample(len(calibration))
    try:
        params = pm.bgnbd_fit(x[sample], t_x[sample], T[sample])
    except pm.FitError as exc:  # the check fails, not the night's scores, already written
        return {"weeks": weeks, "cut": cut.isoformat(), "customers": len(calibration), "error": str(exc)}
    predicted = pm.conditional_expected(params, weeks, x, t_x, T)
    actual = known.days - known.days_before_cut
    return {
        "weeks": weeks,
        "cut": cut.isoformat(),
        "r": params.r,
        "alpha": params.alpha,
        "a": params.a,
        "b": params.b,
        **holdout_table(x, predicted, actual),
    }


def holdout_table(x: np.ndarray, predicted: np.ndarray, actual: np.ndarray) -> dict:
    rows = []
    for k in range(FREQUENCY_BUCKETS + 1):
        rows_k = x == k if k < FREQUENCY_BUCKETS else x >= k
        n = int(rows_k.sum())
        rows.append(
            {
                "x": k,
                "customers": n,
                "predicted": float(predicted[rows_k].sum()),
                "actual": int(actual[rows_k].sum()),
            }
        )
    return {
        "customers": len(x),
        "predicted": float(predicted.sum()),
        "actual": int(actual.sum()),
        "by_frequency": rows,
    }


# --- Manager settings ---------------------------------------------------------------------------


def prediction_threshold_set(*, threshold: float) -> PredictionSettings:
    """Store the at-risk threshold and re-flag the current scores by it, set-based, in one
    transaction; the latest fit's at-risk count follows."""
    with transaction.atomic():
        settings = PredictionSettings.current()
        settings.at_risk_threshold = threshold
        settings.full_clean()
        settings.save()
        scores = CustomerPrediction.objects
        scores.filter(at_risk=True, p_alive__gte=threshold).update(at_risk=False)
        scores.filter(at_risk=False, valuable=True, p_alive__lt=threshold).update(at_risk=True)
        fit = latest_fit()
        if fit and fit.status == PurchaseModelFit.Status.OK:
            fit.threshold, fit.at_risk = threshold, scores.filter(at_risk=True).count()
            fit.save(update_fields=["threshold", "at_risk"])
        verdicts_to_customers()
    return settings


# --- Reads -----------------------------------------------------------------------------------


def latest_fit(end: dt.date | None = None, *, in_force: bool = True) -> PurchaseModelFit | None:
    """The last fit made as of `end` or before (any day when None). In force: a failed fit left
    the scores of the one before, so it is skipped; in_force=False gives the last attempt."""
    fits = PurchaseModelFit.objects.order_by("-as_of")
    if in_force:
        fits = fits.exclude(status=PurchaseModelFit.Status.FAILED)
    return (fits.filter(as_of__lte=end) if end else fits).first()


def at_risk_ids(customer_ids) -> set[int]:
    """Which of these customers the purchase model flags at risk (empty where it has no scores).
    For the lifecycle stage: one query per batch of ids."""
    return set(
        CustomerPrediction.objects.filter(customer_id__in=customer_ids, at_risk=True).values_list(
            "customer_id", flat=True
        )
    )


def p_alive_by_customer(customer_ids) -> dict[int, float]:
    """P(alive) of those of these customers the model scored."""
    return dict(
        CustomerPrediction.objects.filter(customer_id__in=customer_ids).values_list("customer_id", "p_alive")
    )


def trend(customer_id: int, prediction: CustomerPrediction | None) -> list[tuple[dt.date, float]]:
    """The weekly P(alive) kept for this customer, oldest first, ending with the current score."""
    points = list(
        PredictionHistory.objects.filter(customer_id=customer_id)
        .order_by("week")
        .values_list("week", "p_alive")
    )
    if prediction and (not points or points[-1][0] < prediction.as_of):
        points.append((prediction.as_of, prediction.p_alive))
    return points


# Sort keys of the at-risk list: what a manager asks for, and the columns behind it (the
# customer id last, so pages never overlap on ties).
AT_RISK_SORTS = {
    "value": ["value", "spend"],
    "p_alive": ["p_alive"],
    "expected_52w": ["expected_52w"],
    "spend": ["spend"],
    "silent": ["silent"],
    "purchases": ["repeat_purchases"],
    "name": ["customer__name"],
}


def at_risk_list(sort: str = "-value"):
    """The customers at risk, sorted by one of AT_RISK_SORTS ("-" first for descending; most
    valuable first by default)."""
    from django.db.models import F

    key = sort.removeprefix("-")
    if key not in AT_RISK_SORTS:
        key, sort = "value", "-value"
    descending = sort.startswith("-")
    order = [F(col).desc() if descending else F(col).asc() for col in AT_RISK_SORTS[key]]
    return (
        CustomerPrediction.objects.filter(at_risk=True)
        .select_related("customer")
        .annotate(silent=F("weeks_since_first") - F("weeks_to_last"))
        .order_by(*order, "customer_id")
    )

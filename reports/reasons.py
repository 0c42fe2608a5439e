"""The purchase model's evidence, said in words a member of staff reads at a glance.

Rendered when read, not stored, so each reader gets their own language.
"""

from django.utils.translation import gettext, ngettext

WEEKS_PER_MONTH = 52 / 12


def duration(weeks: float) -> str:
    """Whole days under two weeks, weeks up to half a year, months under two years, then years."""
    if weeks < 2:
        days = max(1, round(weeks * 7))
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    if weeks < 27:
        n = round(weeks)
        return ngettext("%(n)d week", "%(n)d weeks", n) % {"n": n}
    if weeks < 104:
        n = round(weeks / WEEKS_PER_MONTH)
        return ngettext("%(n)d month", "%(n)d months", n) % {"n": n}
    n = round(weeks / 52)
    return ngettext("%(n)d year", "%(n)d years", n) % {"n": n}


def reason_text(repeat_purchases: int, weeks_to_last: float, weeks_since_first: float) -> str:
    """E.g. "Bought every 5 weeks for 12 months, nothing for 21 weeks"."""
    silent = duration(max(weeks_since_first - weeks_to_last, 0))
    if repeat_purchases == 0:
        return gettext("One purchase, %(silent)s ago; a second one is needed to judge a rhythm.") % {
            "silent": silent
        }
    every = weeks_to_last / repeat_purchases
    return gettext("Bought every %(every)s for %(span)s, nothing for %(silent)s.") % {
        "every": duration(every),
        "span": duration(weeks_to_last),
        "silent": silent,
    }


def fit_status_text(fit) -> str:
    """Why a fit gives no scores, for the reports page, the customer page and the API."""
    from reports.models import PurchaseModelFit
    from reports.predictions import MIN_BUYERS, MIN_WEEKS

    if fit.status == PurchaseModelFit.Status.FAILED:
        return gettext(
            "The purchase model could not be fitted (%(error)s); the previous scores are kept."
        ) % {"error": fit.message}
    if fit.status != PurchaseModelFit.Status.INSUFFICIENT:
        return ""
    if fit.buyers < MIN_BUYERS:
        return ngettext(
            "Only %(n)d customer has bought so far; the purchase model needs at least %(min)d "
            "buyers to tell a habit from chance, so it predicts nothing yet.",
            "Only %(n)d customers have bought so far; the purchase model needs at least %(min)d "
            "buyers to tell a habit from chance, so it predicts nothing yet.",
            fit.buyers,
        ) % {"n": fit.buyers, "min": MIN_BUYERS}
    return gettext(
        "The sales go back %(weeks)s only; the purchase model needs at least %(min)d weeks of "
        "history to see who stopped buying, so it predicts nothing yet."
    ) % {"weeks": duration(fit.history_weeks), "min": MIN_WEEKS}

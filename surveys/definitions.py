"""The surveys we ask, as code: their scales, questions and who counts as a detractor.

Kept as constants rather than rows: the scales are standards (NPS 0-10, CSAT 1-5, CES 1-7) whose
metrics assume them, and the texts go through gettext like every other string a person reads.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from customers.choices import Reason


class SurveyType(models.TextChoices):
    NPS = "nps", _("NPS")
    CSAT = "csat", _("CSAT")
    CES = "ces", _("CES")


@dataclass(frozen=True)
class Scale:
    type: str
    low: int
    high: int
    detractor_max: int  # a score at or below this is unhappy enough to open a case
    promoter_min: int  # a score at or above this is a happy customer
    question: Promise
    low_label: Promise
    high_label: Promise

    @property
    def scores(self) -> list[int]:
        return list(range(self.low, self.high + 1))

    def is_detractor(self, score: int | None) -> bool:
        return score is not None and score <= self.detractor_max

    def is_promoter(self, score: int | None) -> bool:
        return score is not None and score >= self.promoter_min


NPS = Scale(
    SurveyType.NPS,
    0,
    10,
    6,
    9,
    _("How likely are you to recommend us to a friend or colleague?"),
    _("Not at all likely"),
    _("Extremely likely"),
)
CSAT = Scale(
    SurveyType.CSAT,
    1,
    5,
    2,
    4,
    _("How satisfied are you with your order?"),
    _("Very dissatisfied"),
    _("Very satisfied"),
)
CASE_CSAT = Scale(
    SurveyType.CSAT,
    1,
    5,
    2,
    4,
    _("How satisfied are you with how we handled your problem?"),
    _("Very dissatisfied"),
    _("Very satisfied"),
)
CES = Scale(
    SurveyType.CES,
    1,
    7,
    3,
    5,
    _("How easy was it to get your problem solved?"),
    _("Very difficult"),
    _("Very easy"),
)

SCALES = {SurveyType.NPS: NPS, SurveyType.CSAT: CSAT, SurveyType.CES: CES}


def main_scale(survey_type: str, *, about_case: bool) -> Scale:
    """The scale of the invitation's first question (the one the mail's buttons answer)."""
    if survey_type == SurveyType.CSAT and about_case:
        return CASE_CSAT
    return SCALES[survey_type]


def asks_effort(survey_type: str, *, about_case: bool) -> bool:
    """A case survey adds the effort question (CES) beside its CSAT."""
    return about_case and survey_type == SurveyType.CSAT


def asks_buy_again(survey_type: str, *, about_case: bool) -> bool:
    return not about_case and survey_type in (SurveyType.NPS, SurveyType.CSAT)


# The reasons taxonomy (customers.choices.Reason) as the customer says it on the answer page;
# staff keep Reason's own labels. Every Reason has one (tests/surveys/test_customer_words.py).
CUSTOMER_REASONS = {
    Reason.PRICE_CHANGED: _("The price changed after I bought it"),
    Reason.NOT_NEEDED: _("I did not really need it"),
    Reason.WORSE_THAN_EXPECTED: _("The product was worse than I expected"),
    Reason.WRONG_OPTION: _("I chose the wrong option"),
    Reason.BETTER_ALTERNATIVE: _("I found something better after buying"),
    Reason.UNPROFESSIONAL_ADVICE: _("The advice I got was not helpful"),
    Reason.FEATURES_NOT_AS_DESCRIBED: _("It does not do what the description said"),
    Reason.SLOW_ANSWERS: _("My questions took too long to be answered"),
    Reason.ANXIOUS_OR_HURRY: _("I was in a hurry"),
    Reason.DELIVERY_LATE: _("It arrived late"),
    Reason.DELIVERY_DAMAGED: _("It arrived damaged, or it was not what I ordered"),
    Reason.OTHER: _("Something else"),
}


def customer_reasons() -> list[tuple[str, Promise]]:
    """The reasons as the answer page lists them, in the taxonomy's order."""
    return [(value, CUSTOMER_REASONS[value]) for value in Reason.values]

"""The sentence of a survey answer on the timeline (see customers/timeline.py)."""

from django.utils.translation import gettext as _

from customers.timeline import label, sentence
from surveys.definitions import SurveyType


def answer_text(*, survey_type: str, score, ces_score=None, comment: str = "") -> str:
    """NPS 9 — 'Muy contento', or CSAT 2 · CES 3 (the comment as the customer wrote it)."""
    text = f"{label(SurveyType, survey_type)} {score}"
    if ces_score is not None:
        text += f" · CES {ces_score}"
    if comment:
        text += f" — '{comment[:200]}'"
    return text


@sentence("answer.recorded")
def _answer(d):
    text = answer_text(
        survey_type=d["survey_type"],
        score=d["score"],
        ces_score=d.get("ces_score"),
        comment=d.get("comment", ""),
    )
    return _("Answer changed: %(answer)s") % {"answer": text} if d.get("changed") else text

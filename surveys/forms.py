from django import forms
from django.utils.translation import gettext_lazy as _

from customers.choices import Reason
from surveys.definitions import CES, customer_reasons
from surveys.models import Invitation
from surveys.services import COMMENT_MAX

BUY_AGAIN_CHOICES = [("", _("No answer")), ("yes", _("Yes")), ("no", _("No"))]


# Choices as callables: each form's copy of its fields then copies a reference, not the lists
# and their widgets' (a lazy label is slow to copy); the answer page builds a form per request.
def _reason_choices() -> list[tuple[str, str]]:
    return Reason.choices


def _ces_choices() -> list[tuple[int, int]]:
    return [(n, n) for n in CES.scores]


def _buy_again_choices() -> list[tuple[str, str]]:
    return BUY_AGAIN_CHOICES


class AnswerForm(forms.Form):
    """The answer page's form, shaped by the invitation: its scale, and CES or "buy again"."""

    score = forms.TypedChoiceField(
        coerce=int, widget=forms.RadioSelect, error_messages={"required": _("Choose a score.")}
    )
    ces_score = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
        choices=_ces_choices,
    )
    would_buy_again = forms.ChoiceField(
        choices=_buy_again_choices,
        required=False,
        widget=forms.RadioSelect,
        label=_("Would you buy from us again?"),
    )
    comment = forms.CharField(
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea,
        label=_("Anything you would like to tell us?"),
    )
    reasons = forms.MultipleChoiceField(
        choices=_reason_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("What went wrong?"),
    )
    stamp = forms.CharField(required=False, widget=forms.HiddenInput)
    # Written by static/js/public.js: "none" until a person touches the page (scanners.py).
    interaction = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)

    def __init__(self, *args, invitation: Invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        scores = invitation.scale.scores
        self.fields["score"].choices = lambda: [(n, n) for n in scores]
        if not invitation.asks_effort:
            del self.fields["ces_score"]
        if not invitation.asks_buy_again:
            del self.fields["would_buy_again"]

    def chosen(self) -> dict:
        """What the page shows as chosen (the posted data, else the initial values), for a
        template that writes its inputs by hand: rendering ~30 radio and checkbox widgets
        through Django's widget templates costs more than the rest of the page together."""
        score, ces = (
            _text(self[name].value()) if name in self.fields else "" for name in ("score", "ces_score")
        )
        reasons = {str(value) for value in self["reasons"].value() or ()}
        return {
            "scores": [(n, str(n) == score) for n in self.invitation.scale.scores],
            "ces_scores": [(n, str(n) == ces) for n in CES.scores] if "ces_score" in self.fields else [],
            "reasons": [(value, label, value in reasons) for value, label in customer_reasons()],
            "buy_again": str(self["would_buy_again"].value() or "")
            if "would_buy_again" in self.fields
            else None,
            "comment": self["comment"].value() or "",
            "unhappy": bool(reasons) or (score.isdigit() and self.invitation.scale.is_detractor(int(score))),
        }

    def submission(self) -> dict:
        """The cleaned form as answer_submit's keyword arguments."""
        data = self.cleaned_data
        buy_again = {"yes": True, "no": False}.get(data.get("would_buy_again") or "")
        return {
            "score": data["score"],
            "ces_score": data.get("ces_score"),
            "would_buy_again": buy_again,
            "comment": data.get("comment", ""),
            "reasons": data.get("reasons", []),
            "page_stamp": data.get("stamp", ""),
            "interaction": data.get("interaction", ""),
        }


def _text(value) -> str:
    return "" if value is None else str(value)  # the score 0 is a score (NPS starts at 0)


def initial_for(invitation: Invitation, chosen_score: str | None) -> dict:
    """Pre-fill: the current answer (when changing it), then the score the mail's button chose."""
    initial: dict = {}
    answer = getattr(invitation, "answer", None)
    if answer is not None and not answer.flagged:
        initial = {
            "score": answer.score,
            "ces_score": answer.ces_score,
            "comment": answer.comment,
            "reasons": answer.reasons,
            "would_buy_again": {True: "yes", False: "no"}.get(answer.would_buy_again, ""),
        }
    if chosen_score and chosen_score.isdigit() and int(chosen_score) in invitation.scale.scores:
        initial["score"] = int(chosen_score)
    return initial

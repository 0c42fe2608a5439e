from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.template import TemplateSyntaxError
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Schedule
from followups import drafts

FIELDSETS = (
    (_("Campaign"), ("name", "schedule")),
    (
        _("Audience"),
        (
            "last_purchase_days",
            "min_purchases",
            "max_purchases",
            "min_spent",
            "max_spent",
            "category",
            "lifecycle_stage",
            "at_risk_only",
            "language",
            "consent_only",
        ),
    ),
    (_("Message"), ("subject_es", "text_es", "subject_en", "text_en")),
    (_("Offer (optional)"), ("offer_code", "offer_discount", "offer_gift", "offer_expires_on")),
    (_("Holdout and sending"), ("holdout_percent", "window_hours")),
)


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "name",
            "schedule",
            "last_purchase_days",
            "min_purchases",
            "max_purchases",
            "min_spent",
            "max_spent",
            "category",
            "lifecycle_stage",
            "at_risk_only",
            "language",
            "consent_only",
            "subject_es",
            "text_es",
            "subject_en",
            "text_en",
            "offer_code",
            "offer_discount",
            "offer_gift",
            "offer_expires_on",
            "holdout_percent",
            "window_hours",
        ]
        widgets = {
            "text_es": forms.Textarea(attrs={"rows": 6}),
            "text_en": forms.Textarea(attrs={"rows": 6}),
            "offer_expires_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():  # the model's bounds, also as the browser's
            for validator in Campaign._meta.get_field(name).validators:
                if isinstance(validator, MinValueValidator):
                    field.widget.attrs["min"] = validator.limit_value
                elif isinstance(validator, MaxValueValidator):
                    field.widget.attrs["max"] = validator.limit_value

    def fieldsets(self):
        return [(legend, [self[name] for name in names]) for legend, names in FIELDSETS]

    def clean(self):
        cleaned = super().clean()
        schedule = cleaned.get("schedule")
        if schedule == Schedule.WINBACK and not cleaned.get("last_purchase_days"):
            self.add_error("last_purchase_days", _("A win-back campaign needs its N days."))
        if schedule == Schedule.NTH_PURCHASE and not cleaned.get("min_purchases"):
            self.add_error("min_purchases", _("A gift after the Nth purchase needs its N."))
        if schedule == Schedule.BIRTHDAY and not (
            cleaned.get("offer_code") or cleaned.get("offer_discount") or cleaned.get("offer_gift")
        ):
            self.add_error(
                "offer_code",
                _(
                    "A birthday campaign carries an offer: without one, "
                    "the birthday note in the follow-up rules is enough."
                ),
            )
        for low, high in (("min_purchases", "max_purchases"), ("min_spent", "max_spent")):
            if None not in (cleaned.get(low), cleaned.get(high)) and cleaned[low] > cleaned[high]:
                self.add_error(high, _("Must not be below the minimum."))
        for name in ("subject_es", "text_es", "subject_en", "text_en"):
            self._check_template(name, cleaned.get(name))
        return cleaned

    def _check_template(self, name: str, source: str | None) -> None:
        """A text that would not render is a form error now, not a failed mail later."""
        if not source:
            return
        try:
            drafts.engine().from_string(source)
        except TemplateSyntaxError as exc:
            self.add_error(name, _("This text does not render: %(error)s") % {"error": exc})

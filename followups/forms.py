from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from followups import drafts
from followups.models import FollowupRules, MessageTemplate, carrier_key


class FollowupRulesForm(forms.ModelForm):
    class Meta:
        model = FollowupRules
        fields = [
            "thank_you_enabled",
            "thank_you_delay_minutes",
            "delay_notice_enabled",
            "usage_tips_enabled",
            "usage_tips_days",
            "survey_enabled",
            "survey_days",
            "survey_days_by_category",
            "case_survey_enabled",
            "case_survey_delay_hours",
            "birthday_enabled",
            "birthday_hour",
            "frequency_cap",
            "frequency_period_days",
            "min_gap_minutes",
            "survey_fatigue_days",
            "quiet_hours_start",
            "quiet_hours_end",
            "soft_bounce_limit",
            "stuck_parcel_days",
            "stuck_parcel_days_by_carrier",
            "stuck_parcel_notice_enabled",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The model's bounds, also as the browser's min and max.
        for name, field in self.fields.items():
            for validator in FollowupRules._meta.get_field(name).validators:
                if isinstance(validator, MinValueValidator):
                    field.widget.attrs["min"] = validator.limit_value
                elif isinstance(validator, MaxValueValidator):
                    field.widget.attrs["max"] = validator.limit_value

    def clean_stuck_parcel_days_by_carrier(self):
        value = self.cleaned_data["stuck_parcel_days_by_carrier"] or {}
        if not isinstance(value, dict) or not all(
            isinstance(name, str)
            and name.strip()
            and isinstance(days, int)
            and not isinstance(days, bool)
            and 1 <= days <= 60
            for name, days in value.items()
        ):
            raise forms.ValidationError(_('Use {"carrier": days}, with days a whole number from 1 to 60.'))
        keys = [carrier_key(name) for name in value]
        if len(set(keys)) != len(keys):
            raise forms.ValidationError(_("Each carrier once (capitals and spaces do not count)."))
        return {name.strip(): days for name, days in value.items()}


class MessageTemplateForm(forms.ModelForm):
    """A manager's draft: it saves only when it renders for every sample customer the way it
    would be sent (followups.drafts); `warnings` holds what looks wrong but may be meant."""

    class Meta:
        model = MessageTemplate
        fields = ["subject", "text_body", "html_body"]
        widgets = {
            "text_body": forms.Textarea(attrs={"rows": 14}),
            "html_body": forms.Textarea(attrs={"rows": 10}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.warnings: list[str] = []

    def clean(self):
        cleaned = super().clean()
        if self.errors:  # a required part is missing: nothing to render yet
            return cleaned
        draft = MessageTemplate(
            kind=self.instance.kind,
            language=self.instance.language,
            **{name: cleaned.get(name) or "" for name in drafts.FIELDS},
        )
        result = drafts.check(draft)
        for name, errors in result.errors.items():
            for error in errors:
                self.add_error(None if name == "__all__" else name, error)
        self.warnings = result.warnings
        return cleaned


class UsageTipForm(forms.Form):
    text = forms.CharField(
        label=_("Tips"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Plain text, one tip per line; it goes into the usage tips mail as written."),
    )


class UsageTipCategoryForm(forms.Form):
    category = forms.CharField(
        label=_("Product category"), max_length=100, help_text=_("As it appears in the sales' lines.")
    )
    language = forms.ChoiceField(label=_("Language"), choices=[("es", "Español"), ("en", "English")])

    def clean_category(self):
        from followups.tips import category_key

        value = self.cleaned_data["category"]
        if not slugify(value):
            raise forms.ValidationError(_("Use letters or digits."))
        return category_key(value)

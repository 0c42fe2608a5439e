from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from followups import drafts
from followups.models import FollowupRules, MessageTemplate


class FollowupRulesForm(forms.ModelForm):
    class Meta:
        model = FollowupRules
        fields = [
            "thank_you_enabled", "thank_you_delay_minutes", "delay_notice_enabled",
            "usage_tips_enabled", "usage_tips_days", "survey_enabled", "survey_days",
            "survey_days_by_category", "case_survey_enabled", "case_survey_delay_hours",
            "birthday_enabled", "birthday_hour", "frequency_cap", "frequency_period_days",
            "survey_fatigue_days", "quiet_hours_start", "quiet_hours_end", "soft_bounce_limit",
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


class MessageTemplateForm(forms.ModelForm):
    """A manager's draft: it saves only when it renders for every sample customer the way it
    would be sent (followups.drafts); `warnings` holds what looks wrong but may be meant."""

    class Meta:
        model = MessageTemplate
        fields = ["subject", "text_body", "html_body"]
        widgets = {"text_body": forms.Textarea(attrs={"rows": 14}),
                   "html_body": forms.Textarea(attrs={"rows": 10})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.warnings: list[str] = []

    def clean(self):
        cleaned = super().clean()
        if self.errors:  # a required part is missing: nothing to render yet
            return cleaned
        draft = MessageTemplate(kind=self.instance.kind, language=self.instance.language,
                                **{name: cleaned.get(name) or "" for name in drafts.FIELDS})
        result = drafts.check(draft)
        for name, errors in result.errors.items():
            for error in errors:
                self.add_error(None if name == "__all__" else name, error)
        self.warnings = result.warnings
        return cleaned

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

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
    class Meta:
        model = MessageTemplate
        fields = ["subject", "text_body", "html_body"]
        widgets = {"text_body": forms.Textarea(attrs={"rows": 14}),
                   "html_body": forms.Textarea(attrs={"rows": 10})}

    def clean(self):
        cleaned = super().clean()
        from django.template import Template, TemplateSyntaxError, engines

        for name in ("subject", "text_body", "html_body"):
            try:
                Template(cleaned.get(name) or "", engine=engines["django"].engine)
            except TemplateSyntaxError as exc:
                self.add_error(name, _("This template has an error: %(error)s") % {"error": exc})
        return cleaned

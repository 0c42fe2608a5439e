from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from followups.models import FollowupRules, MessageTemplate, carrier_key


class FollowupRulesForm(forms.ModelForm):
    class Meta:
        model = FollowupRules
        fields = [
            "thank_you_enabled", "thank_you_delay_minutes", "delay_notice_enabled",
            "usage_tips_enabled", "usage_tips_days", "survey_enabled", "survey_days",
            "survey_days_by_category", "case_survey_enabled", "case_survey_delay_hours",
            "birthday_enabled", "birthday_hour", "frequency_cap", "frequency_period_days",
            "survey_fatigue_days", "quiet_hours_start", "quiet_hours_end", "soft_bounce_limit",
            "stuck_parcel_days", "stuck_parcel_days_by_carrier", "stuck_parcel_notice_enabled",
        ]

    def clean_survey_days_by_category(self):
        value = self.cleaned_data["survey_days_by_category"] or {}
        if not isinstance(value, dict) or not all(
                isinstance(days, int) and 0 <= days <= 365 for days in value.values()):
            raise forms.ValidationError(
                _('Use {"category": days}, with days a whole number from 0 to 365.'))
        return value

    def clean_stuck_parcel_days_by_carrier(self):
        value = self.cleaned_data["stuck_parcel_days_by_carrier"] or {}
        if not isinstance(value, dict) or not all(
                isinstance(name, str) and name.strip() and isinstance(days, int)
                and not isinstance(days, bool) and 1 <= days <= 60 for name, days in value.items()):
            raise forms.ValidationError(
                _('Use {"carrier": days}, with days a whole number from 1 to 60.'))
        keys = [carrier_key(name) for name in value]
        if len(set(keys)) != len(keys):
            raise forms.ValidationError(_("Each carrier once (capitals and spaces do not count)."))
        return {name.strip(): days for name, days in value.items()}

    def clean(self):
        cleaned = super().clean()
        for name in ("quiet_hours_start", "quiet_hours_end", "birthday_hour"):
            hour = cleaned.get(name)
            if hour is not None and hour > 23:
                self.add_error(name, _("An hour goes from 0 to 23."))
        return cleaned


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


class UsageTipForm(forms.Form):
    text = forms.CharField(label=_("Tips"), max_length=4000, widget=forms.Textarea(attrs={"rows": 10}),
                           help_text=_("Plain text, one tip per line; it goes into the usage tips "
                                       "mail as written."))


class UsageTipCategoryForm(forms.Form):
    category = forms.CharField(label=_("Product category"), max_length=100,
                               help_text=_("As it appears in the sales' lines."))
    language = forms.ChoiceField(label=_("Language"),
                                 choices=[("es", "Español"), ("en", "English")])

    def clean_category(self):
        from followups.tips import category_key

        value = self.cleaned_data["category"]
        if not slugify(value):
            raise forms.ValidationError(_("Use letters or digits."))
        return category_key(value)

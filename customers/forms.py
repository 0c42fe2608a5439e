from django import forms
from django.utils.translation import gettext_lazy as _

from customers.choices import Reason, Severity


class CustomerNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note or call"), max_length=10000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CaseOpenForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Reason.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.NORMAL)
    description = forms.CharField(
        label=_("Description"), max_length=10000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ConsentForm(forms.Form):
    marketing_consent = forms.BooleanField(label=_("Marketing consent"), required=False)
    why = forms.CharField(label=_("Why (recorded)"), max_length=80)

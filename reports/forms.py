from django import forms
from django.utils.translation import gettext_lazy as _


class ThresholdForm(forms.Form):
    at_risk_threshold = forms.FloatField(
        label=_("At-risk threshold"), min_value=0.0, max_value=1.0,
        widget=forms.NumberInput(attrs={"step": "0.05"}),
        help_text=_("A valuable customer whose P(alive) is below this is at risk (0 to 1)."))

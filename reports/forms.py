import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.choices import Channel
from customers.models import SaleLine
from reports.dashboard_models import LANGUAGES
from reports.metrics import Scope

DEFAULT_DAYS = 30
LONGEST_DAYS = 3 * 366
PRESETS = [
    (7, _("Last 7 days")),
    (30, _("Last 30 days")),
    (90, _("Last 90 days")),
    (365, _("Last 12 months")),
]


def categories() -> list[str]:
    """The product categories sold, for the filter (cached: a scan of every sale line)."""
    found = cache.get("reports:categories")
    if found is None:
        found = sorted(
            c for c in SaleLine.objects.order_by().values_list("category", flat=True).distinct() if c
        )
        cache.set("reports:categories", found, 600)
    return found


class ScopeForm(forms.Form):
    """The period [start, end) and the filters every report page and export reads."""

    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Until (not included)"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All channels")), *Channel.choices]
    )
    category = forms.ChoiceField(label=_("Product category"), required=False)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["category"].choices = [("", _("All categories")), *((c, c) for c in categories())]

    def clean(self):
        data = super().clean()
        end = data.get("end") or timezone.localdate() + dt.timedelta(days=1)
        start = data.get("start") or end - dt.timedelta(days=DEFAULT_DAYS)
        if start >= end:
            raise forms.ValidationError(_("The period must start before it ends."))
        if (end - start).days > LONGEST_DAYS:
            raise forms.ValidationError(_("Choose a period of at most three years."))
        data["start"], data["end"] = start, end
        return data

    def scope(self) -> Scope:
        data = self.cleaned_data
        return Scope(data["start"], data["end"], data.get("channel") or "", data.get("category") or "")


def default_scope() -> Scope:
    end = timezone.localdate() + dt.timedelta(days=1)
    return Scope(end - dt.timedelta(days=DEFAULT_DAYS), end)


def preset_links(scope: Scope) -> list[tuple[str, str, bool]]:
    """Ready periods ending today, keeping the filters: (label, query string, current)."""
    end = timezone.localdate() + dt.timedelta(days=1)
    links = []
    for days, label in PRESETS:
        start = end - dt.timedelta(days=days)
        query = urlencode({"start": start, "end": end, "channel": scope.channel, "category": scope.category})
        links.append((label, query, (scope.start, scope.end) == (start, end)))
    return links


class DigestForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES)
    enabled = forms.BooleanField(label=_("Send me the weekly digest"), required=False)


class ThresholdForm(forms.Form):
    at_risk_threshold = forms.FloatField(
        label=_("At-risk threshold"),
        min_value=0.0,
        max_value=1.0,
        widget=forms.NumberInput(attrs={"step": "0.05"}),
        help_text=_("A valuable customer whose P(alive) is below this is at risk (0 to 1)."),
    )

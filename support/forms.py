import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from customers.choices import CompensationKind, ComplaintStatus, Reason, Severity
from followups.models import Kind
from followups.oneoff import HAND_KIND_HELP, HAND_KINDS
from support.models import Macro

WEEKDAYS = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]


def staff_choices():
    users = get_user_model().objects.filter(is_active=True, groups__name__in=["Support", "Manager"])
    return [
        (u.pk, u.get_full_name() or u.get_username())
        for u in users.distinct().order_by("first_name", "username")
    ]


class QueueFilterForm(forms.Form):
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", _("Any severity")), *Severity.choices]
    )
    reason = forms.ChoiceField(
        label=_("Reason"), required=False, choices=[("", _("Any reason")), *Reason.choices]
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Anyone")), ("none", _("Nobody")), *staff_choices()]


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(label=_("Assign to"), coerce=int, empty_value=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("Nobody")), *staff_choices()]


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (s, label)
            for s, label in ComplaintStatus.choices
            if s in (ComplaintStatus.IN_PROGRESS, ComplaintStatus.WAITING_CUSTOMER, ComplaintStatus.CLOSED)
        ],
    )


class SeverityForm(forms.Form):
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply to the customer"), max_length=10000, widget=forms.Textarea(attrs={"rows": 6})
    )
    waiting_customer = forms.BooleanField(label=_("Then wait for the customer"), required=False)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )


class CallForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("reached", _("Reached")), ("voicemail", _("Voicemail")), ("no_answer", _("No answer"))],
    )
    minutes = forms.IntegerField(label=_("Minutes"), min_value=0, max_value=600, required=False)
    text = forms.CharField(
        label=_("What was said"), max_length=10000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CompensationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Compensation"), choices=CompensationKind.choices)
    amount = forms.DecimalField(
        label=_("Amount"), min_value=0, max_digits=12, decimal_places=2, required=False
    )


class ResolveForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Reason.choices)
    note = forms.CharField(
        label=_("Resolution note"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReopenForm(forms.Form):
    why = forms.CharField(label=_("Why reopen"), max_length=300)


class OneOffMailForm(forms.Form):
    """A one-off mail from the customer page: which template, about which order, what it says.
    `nonce` is drawn when the page is drawn, so the same form posted twice queues one mail."""

    kind = forms.ChoiceField(label=_("Template"))
    sale = forms.TypedChoiceField(label=_("About the order"), coerce=int, empty_value=None, required=False)
    subject = forms.CharField(
        label=_("Subject"),
        max_length=200,
        required=False,
        help_text=_("Message from support only; empty: the template's subject."),
    )
    text = forms.CharField(
        label=_("Text"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The message (message from support) or the offer line (win-back)."),
    )
    nonce = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)

    def __init__(self, *args, customer, sales=None, **kwargs):
        """`sales`: the customer's latest sales when the page has them loaded already."""
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.fields["kind"].choices = [(kind, Kind(kind).label) for kind in HAND_KINDS]
        self.fields["kind"].help_text = " · ".join(
            f"{Kind(kind).label}: {HAND_KIND_HELP[kind]}" for kind in HAND_KINDS
        )
        if sales is None:
            sales = customer.sales.order_by("-ordered_at")[:20]
        self.sales = {s.pk: s for s in sales}
        self.fields["sale"].choices = [("", _("None"))] + [
            (pk, f"{s.external_id} · {s.ordered_at:%Y-%m-%d}") for pk, s in self.sales.items()
        ]

    def clean_sale(self):
        pk = self.cleaned_data["sale"]
        return self.sales[pk] if pk is not None else None


class MacroForm(forms.ModelForm):
    class Meta:
        model = Macro
        fields = [
            "name",
            "body",
            "set_status",
            "set_severity",
            "compensation_kind",
            "compensation_amount",
            "then",
        ]
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}


def parse_spans(text: str) -> list[list[str]]:
    """ "09:00-14:00, 16:00-19:00" -> [["09:00", "14:00"], ["16:00", "19:00"]] ("" = closed)."""
    spans = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        try:
            start, end = (dt.time.fromisoformat(x.strip()) for x in part.split("-"))
        except ValueError as exc:
            raise ValidationError(_("Write hours as 09:00-18:00, separated by commas.")) from exc
        if end <= start:
            raise ValidationError(_("Each interval must end after it starts."))
        spans.append([start.strftime("%H:%M"), end.strftime("%H:%M")])
    return spans


class CalendarForm(forms.Form):
    time_zone = forms.CharField(label=_("Time zone"), required=False, max_length=64)
    country = forms.CharField(label=_("Country (public holidays)"), required=False, max_length=2)
    subdivision = forms.CharField(label=_("Region"), required=False, max_length=10)
    due_soon_percent = forms.IntegerField(label=_("Due soon at (% of the target)"), min_value=1, max_value=99)
    closed_days = forms.CharField(
        label=_("Closed days"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One a line: 2026-12-24 Christmas Eve"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day, name in enumerate(WEEKDAYS):
            self.fields[f"hours_{day}"] = forms.CharField(label=name, required=False)
        for severity, label in Severity.choices:
            self.fields[f"target_{severity}"] = forms.CharField(
                label=_("%(severity)s: first / next / resolution (hours)") % {"severity": label}
            )

    def clean_time_zone(self):
        import zoneinfo

        value = self.cleaned_data["time_zone"].strip()
        if value and value not in zoneinfo.available_timezones():
            raise ValidationError(_("Unknown time zone."))
        return value

    def clean_country(self):
        import holidays

        value = self.cleaned_data["country"].strip().upper()
        if value and value not in holidays.list_supported_countries():
            raise ValidationError(_("No public holidays are known for this country."))
        return value

    def clean(self):
        data = super().clean()
        import holidays

        country, region = data.get("country"), data.get("subdivision", "").strip().upper()
        if country and region and region not in holidays.list_supported_countries().get(country, []):
            self.add_error("subdivision", _("Unknown region for this country."))
        data["subdivision"] = region
        data["opening_hours"] = {}
        for day in range(7):
            try:
                spans = parse_spans(data.get(f"hours_{day}", ""))
            except ValidationError as error:
                self.add_error(f"hours_{day}", error)
                continue
            if spans:
                data["opening_hours"][str(day)] = spans
        if not data["opening_hours"] and not self.errors:
            raise ValidationError(_("The shop must open at least once a week."))
        data["targets"] = {}
        for severity, _label in Severity.choices:
            try:
                hours = [float(x) for x in data.get(f"target_{severity}", "").split("/")]
            except ValueError:
                hours = []
            if len(hours) != 3 or min(hours) <= 0:
                self.add_error(f"target_{severity}", _("Three positive numbers: 1 / 2 / 4."))
            else:
                data["targets"][severity] = hours
        data["closed"] = []
        for line in filter(None, (x.strip() for x in data.get("closed_days", "").splitlines())):
            day, _sep, name = line.partition(" ")
            try:
                data["closed"].append((dt.date.fromisoformat(day), name.strip()[:100]))
            except ValueError:
                self.add_error("closed_days", _("Start each line with a date: 2026-12-24."))
        return data

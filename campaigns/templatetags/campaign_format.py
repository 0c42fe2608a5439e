"""Shares and uplifts as managers read them: percentages and percentage points."""

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{floatformat(value * 100, 1)} %"


@register.filter
def points(value) -> str:
    if value is None:
        return "—"
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return f"{sign}{floatformat(abs(value) * 100, 1)}"

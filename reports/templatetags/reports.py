from django import template
from django.template.defaultfilters import floatformat
from django.utils.formats import number_format

register = template.Library()


@register.filter
def cell(value):
    """A table cell as people read it: nothing known is a dash, numbers in the page's locale."""
    if value is None or value == "":
        return "—" if value is None else ""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return floatformat(value, "-1g")
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    return value


@register.filter
def signed(value):
    """A change with its sign: +3,2 / −1,5 / 0."""
    if value is None:
        return "—"
    text = floatformat(abs(value), -1)
    return f"+{text}" if value > 0 else (f"−{text}" if value < 0 else "0")


@register.filter
def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) or value is None

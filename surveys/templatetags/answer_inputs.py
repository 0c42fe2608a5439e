"""The answer page's rows of radio buttons and checkboxes, written in Python.

Each row is a dozen inputs. As template loops they were half the page's render time (every
`{{ n }}` goes through the template engine's lookup, escaping and number localization); joined
here they cost a tenth of that. The markup is the same as the loops wrote.
"""

from django import template
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def score_inputs(name: str, scores: list[tuple[int, bool]]) -> SafeString:
    """`<label><input type="radio" …><span>n</span></label>` for each score of the scale."""
    name = escape(name)
    return mark_safe(  # noqa: S308 - the name is escaped; scores are ints
        "".join(
            f'<label><input type="radio" name="{name}" value="{int(n)}"{_checked(checked)}>'
            f"<span>{int(n)}</span></label>"
            for n, checked in scores
        )
    )


@register.simple_tag
def reason_inputs(name: str, reasons: list[tuple[str, str, bool]]) -> SafeString:
    """One checkbox with its label (in the page's language) for each reason."""
    name = escape(name)
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            f'<label><input type="checkbox" name="{name}" value="{escape(value)}"{_checked(checked)}>'
            f" {_label(value, label, translation.get_language())}</label>"
            for value, label, checked in reasons
        )
    )


_LABELS: dict[tuple[str, str], str] = {}


def _label(value: str, label, language: str) -> str:
    """A reason's label, translated and escaped once per language and process (the labels are
    lazy: each str() is a catalogue lookup, and so is hashing one)."""
    key = (value, language)
    if key not in _LABELS:
        _LABELS[key] = escape(str(label))
    return _LABELS[key]


def _checked(checked: bool) -> str:
    return " checked" if checked else ""

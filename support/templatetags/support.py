import datetime as dt

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from customers.models import SlaClock

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "")


@register.simple_tag
def sla_state(complaint, now):
    return complaint.sla_state_at(now)


@register.filter
def clock_label(name: str) -> str:
    return SlaClock(name).label if name in SlaClock.values else ""


def _span(delta: dt.timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return ngettext("%(n)s day", "%(n)s days", days) % {"n": days} + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


@register.filter
def left(due: dt.datetime | None, now: dt.datetime) -> str:
    """ "2 h 10 min left" or "overdue by 35 min"."""
    if due is None:
        return ""
    if due >= now:
        return _("%(span)s left") % {"span": _span(due - now)}
    return _("overdue by %(span)s") % {"span": _span(now - due)}


STATES = {
    "ok": _lazy("On time"),
    "due_soon": _lazy("Due soon"),
    "breached": _lazy("Breached"),
    "paused": _lazy("Paused"),
    "met": _lazy("Met"),
    "missed": _lazy("Missed"),
}


@register.filter
def sla_state_label(state: str) -> str:
    return str(STATES.get(state, state))


@register.filter
def margin(entry) -> str:
    """How early or late a stopped target was met: "59 min early", "late by 2 h 00 min"."""
    if entry.margin is None:
        return ""
    if entry.margin >= dt.timedelta(0):
        return _("%(span)s early") % {"span": _span(entry.margin)}
    return _("late by %(span)s") % {"span": _span(-entry.margin)}

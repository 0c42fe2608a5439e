"""What a timeline entry says, in the language of whoever reads it.

An entry stores what happened: its `event` (a key registered here) and the facts in `data`
(order ids, amounts, choice *codes*, never their labels). The sentence is built when the entry
is shown, so a Spanish-speaking agent and an English-speaking one read the same history each in
their own language. Apps above customers register the sentences of the events they write
(followups/timeline.py, surveys/timeline.py) from their AppConfig.ready.

Entries written before events existed have only `summary` (a sentence in the writer's
language) and are shown as written.
"""

from collections.abc import Callable

from django.utils.translation import gettext as _

from customers.choices import CompensationKind, ComplaintStatus, DeliveryStatus, Reason, Severity
from postsale.lib.money import money

Sentence = Callable[[dict], str]
_SENTENCES: dict[str, Sentence] = {}


def sentence(event: str):
    """Register how the entries of `event` read: a function of their data, called at render."""

    def register(render: Sentence) -> Sentence:
        if event in _SENTENCES and _SENTENCES[event] is not render:
            raise ValueError(f"timeline event {event!r} registered twice")
        _SENTENCES[event] = render
        return render

    return register


def is_known(event: str) -> bool:
    return event in _SENTENCES


def events() -> list[str]:
    """Every event a sentence is registered for."""
    return sorted(_SENTENCES)


def entry_text(*, event: str, data: dict, summary: str = "") -> str:
    """The entry's sentence in the active language; its stored summary when the event is not
    (or no longer) known or its data does not fit the sentence."""
    render = _SENTENCES.get(event)
    if render is None:
        return summary or event
    try:
        return render(data or {})
    except (KeyError, ValueError, TypeError):
        return summary or event


def label(choices, value) -> str:
    """A choice's label in the active language; the stored code when the choice is gone."""
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


# The sources our own code writes, so that they read in the reader's language too; a source
# given by an integrator (API, import) is shown as sent.
CONSENT_SOURCES = {
    "admin": lambda: _("admin"),
    "api": lambda: _("API"),
    "import": lambda: _("import"),
    "demo checkout": lambda: _("demo checkout"),
    "preferences page": lambda: _("preferences page"),
    "unsubscribe page": lambda: _("unsubscribe page"),
    "one-click unsubscribe": lambda: _("one-click unsubscribe"),
    "customer page": lambda: _("customer page"),
}


def source_label(source: str) -> str:
    known = CONSENT_SOURCES.get((source or "").strip().lower())
    return known() if known else source


# -- the customers app's own events -------------------------------------------------------------


@sentence("consent.given")
def _consent_given(d):
    return _("Marketing consent given (%(source)s)") % {"source": source_label(d["source"])}


@sentence("consent.withdrawn")
def _consent_withdrawn(d):
    return _("Marketing consent withdrawn (%(source)s)") % {"source": source_label(d["source"])}


@sentence("contact.blocked")
def _contact_blocked(d):
    return _("Do not contact: on")


@sentence("contact.allowed")
def _contact_allowed(d):
    return _("Do not contact: off")


@sentence("sale.recorded")
def _sale_recorded(d):
    return _("Order %(order)s: %(total)s") % {"order": d["order"], "total": money(d["total"], d["currency"])}


@sentence("delivery.changed")
def _delivery_changed(d):
    return _("Delivery of %(order)s: %(status)s") % {
        "order": d["order"],
        "status": label(DeliveryStatus, d["status"]),
    }


@sentence("case.opened")
def _case_opened(d):
    return _("Case #%(id)s opened: %(reason)s") % {"id": d["id"], "reason": label(Reason, d["reason"])}


@sentence("case.assigned")
def _case_assigned(d):
    return _("Case #%(id)s assigned to %(user)s") % {"id": d["id"], "user": d["after"] or "-"}


@sentence("case.answered")
def _case_answered(d):
    return _("Case #%(id)s answered") % {"id": d["id"]}


@sentence("case.customer_replied")
def _case_customer_replied(d):
    return _("Case #%(id)s back to support: the customer replied") % {"id": d["id"]}


# Why a case was reopened or withdrawn when no person wrote the reason.
CAUSES = {
    "customer_replied": lambda: _("the customer replied"),
    "no_reason": lambda: _("no reason given"),
    "delay_cancel": lambda: _("wants to cancel the order"),
    "delay_call": lambda: _("asks for a call"),
    "delay_accept": lambda: _("accepts the new date"),
}


def cause_label(cause: str) -> str:
    return CAUSES[cause]()


def _with_cause(d) -> str:
    cause = cause_label(d["cause"]) if d.get("cause") else ""
    return " · ".join(part for part in (cause, d.get("why") or "") if part)


@sentence("case.reopened")
def _case_reopened(d):
    return _("Case #%(id)s reopened: %(why)s") % {"id": d["id"], "why": _with_cause(d)}


@sentence("case.withdrawn")
def _case_withdrawn(d):
    text = _("Case #%(id)s withdrawn by the customer") % {"id": d["id"]}
    return f"{text}: {_with_cause(d)}" if d.get("cause") else text


@sentence("case.compensation")
def _case_compensation(d):
    return _("Compensation on case #%(id)s: %(kind)s %(amount)s") % {
        "id": d["id"],
        "kind": label(CompensationKind, d["kind"]),
        "amount": money(d["amount"], d["currency"]),
    }


@sentence("case.resolved")
def _case_resolved(d):
    return _("Case #%(id)s resolved") % {"id": d["id"]}


@sentence("case.severity")
def _case_severity(d):
    return _("Case #%(id)s severity: %(severity)s") % {"id": d["id"], "severity": label(Severity, d["after"])}


@sentence("case.status")
def _case_status(d):
    return _("Case #%(id)s: %(status)s") % {"id": d["id"], "status": label(ComplaintStatus, d["after"])}


@sentence("case.breached")
def _case_breached(d):
    from customers.models import SlaClock

    return _("Case #%(id)s breached its %(clock)s target") % {
        "id": d["id"],
        "clock": label(SlaClock, d["clock"]),
    }


@sentence("note")
def _note(d):
    return _("Note")


@sentence("call")
def _call(d):
    return _("Call logged")

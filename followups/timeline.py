"""The sentences of the timeline events the outbox writes (see customers/timeline.py)."""

from django.utils.translation import gettext as _

from customers.timeline import label, sentence, source_label
from followups.models import Category, Kind


def _categories(codes) -> str:
    return ", ".join(label(Category, code) for code in codes) or _("nothing")


@sentence("message.sent")
def _message_sent(d):
    # The subject is what the customer received, in the customer's language.
    return f"{label(Kind, d['message_kind'])}: {d['subject']}"


@sentence("message.queued_by_hand")
def _message_queued_by_hand(d):
    return _("One-off mail queued: %(kind)s") % {"kind": label(Kind, d["message_kind"])}


@sentence("consent.unsubscribed")
def _unsubscribed(d):
    return _("Unsubscribed (%(how)s) from %(what)s") % {
        "how": source_label(d["source"]),
        "what": _categories(d["categories"]),
    }


@sentence("consent.preferences")
def _preferences(d):
    return _("E-mail preferences: opted out of %(what)s") % {"what": _categories(d["categories"])}


def delay_choice_label(choice: str) -> str:
    from followups.services import DELAY_LABELS

    return str(DELAY_LABELS[choice])


@sentence("delay.choice")
def _delay_choice(d):
    return _("Delay of %(order)s: the customer %(choice)s") % {
        "order": d["order"] or "-",
        "choice": delay_choice_label(d["choice"]),
    }


@sentence("case.delay_choice")
def _case_delay_choice(d):
    return _("Case #%(id)s: the customer now %(choice)s") % {
        "id": d["id"],
        "choice": delay_choice_label(d["choice"]),
    }


@sentence("reply.received")
def _reply(d):
    # The customer's own subject line, as written.
    return d["subject"] or _("(no subject)")

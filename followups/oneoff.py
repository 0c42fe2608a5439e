"""One-off mails: a person on the team sends one mail by hand from the customer page.

It is an outbox row like every other mail (planned here, dispatched by the workers), of one of
the kinds a person may send by hand (HAND_KINDS), rendered by the same templates (a manager's
override included). The engine's send-time rules (followups/policies.py) are asked first, as the
dispatcher would ask them at this moment: a rule that says "never" (suppressed, no consent) or
"not now" (an open case, the contact budget, the gap after the last mail) blocks the send and
nothing is queued; the person is told which rule. Quiet hours are the one "not now" that does
not block: the mail is queued and leaves when they end (the worker applies them as usual).
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.choices import TimelineKind
from customers.models import Customer, Sale, SaleLine
from customers.services import timeline_add
from followups import emails, policies
from followups.models import KIND_CATEGORY, FollowupRules, Kind, Message, Reason
from followups.outbox import message_plan

log = logging.getLogger(__name__)

# What a person may send by hand, and what each needs: its free text (the message itself, or
# the offer line of a win-back) and whether it is about one of the customer's orders.
HAND_KINDS = {
    Kind.SUPPORT_MESSAGE: {"text": "body", "needs_text": True, "needs_sale": False},
    Kind.USAGE_TIPS: {"text": None, "needs_text": False, "needs_sale": True},
    Kind.WINBACK: {"text": "offer", "needs_text": False, "needs_sale": False},
}
HAND_KIND_HELP = {
    Kind.SUPPORT_MESSAGE: gettext_lazy("Your text, as an order update (goes to any address not suppressed)."),
    Kind.USAGE_TIPS: gettext_lazy("The tips for the order's product category (tips and greetings)."),
    Kind.WINBACK: gettext_lazy("A win-back offer; your text is the offer line (needs marketing consent)."),
}
# A one-off mail not sent within this (held by quiet hours, a broker outage) is cancelled.
WINDOW = dt.timedelta(days=2)
# "Not now" answers that still let a person's mail be queued: it leaves once they pass.
QUEUE_ANYWAY = (Reason.QUIET_HOURS,)


@dataclass(frozen=True)
class Verdict:
    """What the engine's rules say about sending this mail now."""

    blocked: bool
    reason: str = ""  # a Reason: the rule that blocks it, or the one that delays it
    until: dt.datetime | None = None  # queued but held until then (quiet hours)

    @property
    def label(self) -> str:
        return str(Reason(self.reason).label) if self.reason else ""


def one_off_message(
    *,
    customer: Customer,
    kind: str,
    text: str = "",
    subject: str = "",
    sale: Sale | None = None,
    author=None,
) -> Message:
    """The outbox row this one-off mail would be, not saved. Raises ValidationError by field."""
    spec = HAND_KINDS.get(kind)
    if spec is None:
        raise ValidationError({"kind": _("This kind of mail cannot be sent by hand.")})
    text = text.strip()
    if spec["needs_text"] and not text:
        raise ValidationError({"text": _("Write the message first.")})
    if spec["needs_sale"] and sale is None:
        raise ValidationError({"sale": _("Choose the order this mail is about.")})
    if sale is not None and sale.customer_id != customer.pk:
        raise ValidationError({"sale": _("That order is not this customer's.")})
    data: dict = {"signature": (author.get_full_name() if author else "") or ""}
    if spec["text"] and text:
        data[spec["text"]] = text
    if kind == Kind.SUPPORT_MESSAGE and subject.strip():
        data["subject"] = " ".join(subject.split())
    if kind == Kind.USAGE_TIPS:
        data["category"] = (
            SaleLine.objects.filter(sale=sale).aggregate(category=Min("category"))["category"] or ""
        )
    return Message(
        kind=kind,
        category=KIND_CATEGORY[kind],
        customer=customer,
        customer_id=customer.pk,
        sale=sale,
        data=data,
    )


def one_off_preview(message: Message) -> emails.Rendered:
    """The mail as the customer would get it, in their language, through the sending path."""
    preview = Message(**{f.attname: getattr(message, f.attname) for f in Message._meta.concrete_fields})
    preview.pk = 0  # its links need an id; "preview" tokens lead nowhere
    preview.customer, preview.sale = message.customer, message.sale
    language = emails.language_of(preview)
    return emails.preview(preview, language, emails.load_overrides().get((preview.kind, language)))


def one_off_check(message: Message, *, now: dt.datetime | None = None) -> Verdict:
    """The send-time rules, asked now as the dispatcher would ask them for this row."""
    now = now or timezone.now()
    message.planned_at = now
    message.expires_at = now + WINDOW
    rules = FollowupRules.current()
    facts = policies.BatchFacts.load([message], rules, now)
    decision = policies.decide(message, facts, rules, now)
    if decision.action == "send":
        return Verdict(blocked=False)
    if decision.action == "defer" and decision.reason in QUEUE_ANYWAY:
        return Verdict(blocked=False, reason=decision.reason, until=decision.until)
    return Verdict(blocked=True, reason=decision.held_by or decision.reason)


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    message: Message | None  # the queued row; None when blocked or sent before (same nonce)


def one_off_send(*, message: Message, author, nonce: str) -> Outcome:
    """Queue the one-off mail unless a rule blocks it, with a timeline entry naming its author.

    `nonce` comes with the form: the same form posted twice (a double click) queues one mail."""
    now = timezone.now()
    verdict = one_off_check(message, now=now)
    if verdict.blocked:
        return Outcome(verdict, None)
    with transaction.atomic():
        queued = message_plan(
            kind=message.kind,
            customer_id=message.customer_id,
            dedupe_key=f"one_off:{message.customer_id}:{nonce}",
            planned_at=now,
            expires_at=now + WINDOW,
            sale_id=message.sale_id,
            data=message.data,
        )
        if queued is not None:
            timeline_add(
                customer=message.customer,
                kind=TimelineKind.MESSAGE,
                sale=message.sale,
                author=author,
                event="message.queued_by_hand",
                body=message.data.get("body") or message.data.get("offer") or "",
                data={"message_id": queued.pk, "message_kind": queued.kind},
            )
            transaction.on_commit(_send_soon)
    return Outcome(verdict, queued)


def _send_soon() -> None:
    """Ask a worker to send now; with the broker down the dispatch sweep sends it anyway."""
    from followups.tasks import dispatch_batch_task

    try:
        dispatch_batch_task.delay()
    except Exception:  # noqa: BLE001 - the outbox row is the truth; the sweep will find it
        log.warning("broker unavailable: the one-off mail waits for the dispatch sweep")

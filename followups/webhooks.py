"""What the ESP tells us, through django-anymail's webhooks (URLs under /anymail/<esp>/...).

Tracking events land on their message; bounces, spam complaints and unsubscribes update the
suppression list at once. A customer's reply goes on the timeline of the case it answers
(threading.py) and wakes it.
anymail checks the shared secret (ANYMAIL_WEBHOOK_SECRET, HTTP basic auth) before these run.
"""

import datetime as dt

from anymail.signals import inbound, tracking
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.utils import timezone

from customers.choices import ComplaintSource, ComplaintStatus, Reason, TimelineKind
from customers.models import Complaint, Customer
from customers.services import complaint_customer_replied, complaint_open, timeline_add
from followups.models import (
    OPTIONAL_CATEGORIES,
    Category,
    EventKind,
    FollowupRules,
    Message,
    MessageEvent,
    SendMark,
    Suppression,
    SuppressionReason,
)
from followups.threading import case_answered

REOPEN_WITHIN = dt.timedelta(days=14)


def suppress(email: str, reason: str, categories=("",)) -> None:
    for category in categories:
        Suppression.objects.get_or_create(email=email.lower(), category=category, defaults={"reason": reason})


def find_message(event) -> Message | None:
    if event.message_id:
        message = Message.objects.filter(esp_message_id=str(event.message_id)).first()
        if message:
            return message
        # An event faster than the batch that sent the mail: its ESP id is still on its mark
        # (followups.dispatch, step 4; a handful of rows, no index needed).
        mark = SendMark.objects.filter(esp_message_id=str(event.message_id)).select_related("message").first()
        if mark:
            return mark.message
    pk = (event.metadata or {}).get("postsale_message")
    return Message.objects.filter(pk=pk).first() if pk and str(pk).isdigit() else None


@receiver(tracking)
def on_tracking(sender, event, esp_name, **kwargs):
    message = find_message(event)
    email = (event.recipient or (message.to_email if message else "")).lower()
    with transaction.atomic():
        if message is not None and not record_event(message, event):
            return  # the ESP re-sent an event we already have
        if not email:
            return
        if event.event_type == "bounced" and not is_soft(event):
            suppress(email, SuppressionReason.HARD_BOUNCE)
        elif event.event_type == "complained":
            suppress(email, SuppressionReason.SPAM_COMPLAINT)
        elif event.event_type == "unsubscribed":
            categories = (
                (message.category,)
                if message and message.category != Category.TRANSACTIONAL
                else OPTIONAL_CATEGORIES
            )
            suppress(email, SuppressionReason.UNSUBSCRIBED, categories)
        elif is_soft(event):
            soft = MessageEvent.objects.filter(soft=True, message__to_email__iexact=email).count()
            if soft >= FollowupRules.current().soft_bounce_limit:
                suppress(email, SuppressionReason.SOFT_BOUNCES)


def is_soft(event) -> bool:
    """A temporary failure: anymail says deferred, or the ESP's own record calls the bounce soft
    (Postmark reports SoftBounce and Transient as bounces, Mailjet hard_bounce=false, Mailgun a
    temporary severity)."""
    if event.event_type == "deferred":
        return True
    raw = event.esp_event if isinstance(event.esp_event, dict) else {}
    if event.event_type == "bounced" and raw.get("hard_bounce") is False:
        return True
    kind = f"{raw.get('Type', '')} {raw.get('type', '')} {raw.get('severity', '')}".lower()
    return event.event_type == "bounced" and any(w in kind for w in ("soft", "transient", "temporary"))


def record_event(message: Message, event) -> bool:
    detail = event.description or event.reject_reason or event.click_url or event.mta_response or ""
    kind = {"failed": EventKind.FAILED_ESP}.get(event.event_type, event.event_type)
    try:
        with transaction.atomic():
            MessageEvent.objects.create(
                message=message,
                event=kind if kind in EventKind.values else EventKind.UNKNOWN,
                soft=is_soft(event),
                at=event.timestamp or timezone.now(),
                detail=str(detail)[:300],
                esp_event_id=event.event_id or None,
                data={"esp": str(event.esp_event)[:2000]} if event.esp_event else {},
            )
    except IntegrityError:
        return False
    return True


@receiver(inbound)
def on_inbound(sender, event, esp_name, **kwargs):
    mail = event.message
    sender_email = mail.from_email.addr_spec if mail.from_email else ""
    if not sender_email.strip():  # no sender: it is nobody's reply (not a customer with no e-mail)
        return
    customer = Customer.objects.filter(email__iexact=sender_email).order_by("-pk").first()
    if customer is None:
        return
    addresses = [a.addr_spec for a in [*(mail.to or []), *(mail.cc or [])]]
    addresses.append(getattr(mail, "envelope_recipient", None) or "")
    case = case_answered(
        customer_id=customer.pk,
        addresses=addresses,
        in_reply_to=str(mail.get("In-Reply-To", "")),
        references=str(mail.get("References", "")),
    )
    customer_replied(customer=customer, subject=mail.subject or "", text=mail.text or "", case=case)


def waiting_case(customer: Customer) -> Complaint | None:
    """The case a reply naming none most likely answers: the one waiting for this customer,
    else their newest open one, else one resolved lately."""
    now = timezone.now()
    unresolved = Complaint.objects.unresolved().filter(customer=customer)
    return (
        unresolved.filter(status=ComplaintStatus.WAITING_CUSTOMER).order_by("-opened_at").first()
        or unresolved.order_by("-opened_at").first()
        or Complaint.objects.filter(
            customer=customer, status=ComplaintStatus.RESOLVED, resolved_at__gte=now - REOPEN_WITHIN
        )
        .order_by("-resolved_at")
        .first()
    )


def customer_replied(
    *, customer: Customer, subject: str, text: str, case: Complaint | None = None
) -> Complaint:
    """The reply goes on the timeline of the case it answers (named by the mail, or the likeliest
    one), which goes back to support with its next-response clock running; a reply that matches
    no case opens one."""
    now = timezone.now()
    with transaction.atomic():
        case = case or waiting_case(customer)
        if case is None:
            case = complaint_open(
                customer=customer, reason=Reason.OTHER, source=ComplaintSource.EMAIL, description=text[:2000]
            )
        else:
            case = complaint_customer_replied(complaint=case, at=now)
        timeline_add(
            customer=customer,
            kind=TimelineKind.REPLY,
            event="reply.received",
            data={"subject": subject[:300]},
            body=text[:20000],
            complaint=case,
            at=now,
        )
    return case

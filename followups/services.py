"""What customers do from a mail's links: unsubscribe, set preferences, answer a delay notice.

Marketing consent is only ever given by the customer ticking the offers box on the preferences
page; an unsubscribe only removes categories (leaving the offers withdraws consent). Every change
of consent goes through customers.services.consent_change, which records when and how.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers import services as customer_services
from customers.choices import ComplaintSource, Reason, Severity, TimelineKind
from customers.models import Complaint
from followups.models import (
    OPTIONAL_CATEGORIES,
    Category,
    Message,
    MessageEvent,
    Suppression,
    SuppressionReason,
)
from postsale.lib.scanners import Submission

OPTIONAL = OPTIONAL_CATEGORIES
DELAY_CHOICES = ("accept", "cancel", "call")
DELAY_LABELS = {
    "accept": gettext_lazy("accepts the new date"),
    "cancel": gettext_lazy("wants to cancel the order"),
    "call": gettext_lazy("asks for a call"),
}
AUTOMATED_EVENT = "automated_post"
# A number a person can be called on: digits with the usual separators, 6 to 15 digits.
PHONE = re.compile(r"^\+?[\d\s().\-/]{6,30}$")


def opted_out(email: str) -> set[str]:
    return set(
        Suppression.objects.filter(email=email.lower(), category__in=OPTIONAL).values_list(
            "category", flat=True
        )
    )


def unsubscribe_scope(message: Message) -> list[str]:
    """What this mail's unsubscribe stops: its own category, or, from a transactional mail
    (order updates cannot be left while an order is on its way), every optional one. The pages
    say exactly this: followups/public/unsubscribe.html."""
    return [message.category] if message.category in OPTIONAL else list(OPTIONAL)


def unsubscribe(*, message: Message, source: str = "one-click unsubscribe") -> list[str]:
    """Leave the categories of unsubscribe_scope(message). One transaction.

    Only removes: leaving the offers withdraws marketing consent, nothing here gives it. An
    unsubscribe that changes nothing (a second one-click POST) records nothing.
    Returns every optional category the address is now out of.
    """
    customer, email = message.customer, message.customer.email.lower()
    with transaction.atomic():
        left = [
            category
            for category in unsubscribe_scope(message)
            if Suppression.objects.get_or_create(
                email=email, category=category, defaults={"reason": SuppressionReason.UNSUBSCRIBED}
            )[1]
        ]
        withdraws = Category.PROMOTIONAL in unsubscribe_scope(message) and customer.marketing_consent
        if withdraws:
            customer_services.consent_change(customer=customer, marketing_consent=False, source=source)
        if left:
            customer_services.timeline_add(
                customer=customer,
                kind=TimelineKind.CONSENT,
                event="consent.unsubscribed",
                data={"source": source, "categories": list(left)},
            )
    out = opted_out(email)
    return [c for c in OPTIONAL if c in out]


def preferences_save(*, message: Message, keep: list[str], source: str = "preferences page") -> list[str]:
    """Keep receiving `keep`; opt out of the other optional categories. Returns those left.

    The one place marketing consent is given: the customer ticked the offers box (`keep` holds
    the promotional category). Unticking it withdraws consent.
    """
    customer, email = message.customer, message.customer.email.lower()
    left = [c for c in OPTIONAL if c not in keep]
    with transaction.atomic():
        Suppression.objects.filter(
            email=email, category__in=keep, reason=SuppressionReason.UNSUBSCRIBED
        ).delete()
        for category in left:
            Suppression.objects.get_or_create(
                email=email, category=category, defaults={"reason": SuppressionReason.UNSUBSCRIBED}
            )
        wants_offers = Category.PROMOTIONAL in keep
        if wants_offers != customer.marketing_consent:
            customer_services.consent_change(customer=customer, marketing_consent=wants_offers, source=source)
        customer_services.timeline_add(
            customer=customer,
            kind=TimelineKind.CONSENT,
            event="consent.preferences",
            data={"source": source, "categories": list(left)},
        )
    return left


def automated_post_record(
    *, message: Message, action: str, submission: Submission, data: dict | None = None
) -> MessageEvent:
    """Keep a public page's POST that looks like a mail scanner's, on its message; it changes
    nothing else (the page asks the visitor to confirm again)."""
    return MessageEvent.objects.create(
        message=message,
        event=AUTOMATED_EVENT,
        detail=f"{action}: {submission.reason}"[:300],
        data={**submission.as_data(), "action": action, **(data or {})},
    )


def phone_clean(phone: str) -> str:
    phone = " ".join(phone.split())
    digits = sum(ch.isdigit() for ch in phone)
    if not PHONE.match(phone) or not 6 <= digits <= 15:
        raise ValidationError({"phone": _("Write a phone number we can call, e.g. +34 600 123 456.")})
    return phone


def delay_choice_record(*, message: Message, choice: str, phone: str = "") -> Message:
    """The customer's answer to a delay notice. One transaction, one writer per notice.

    Cancel or call opens one case for support (a call needs a phone number: `phone` is kept on
    the customer); accepting the new date afterwards withdraws that case, and asking again
    reopens it. Choosing the same again changes nothing.
    """
    if choice not in DELAY_CHOICES:
        raise ValueError(choice)
    phone = phone_clean(phone) if phone else ""
    # Staff read the timeline and the case: write them in the shop's language.
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("customer", "sale")
            .get(pk=message.pk)
        )
        previous = message.data.get("choice")
        if choice == previous and not phone:
            return message
        if phone:
            customer_services.customer_update(customer=message.customer, phone=phone)
        label = str(DELAY_LABELS[choice])
        customer_services.timeline_add(
            customer=message.customer,
            kind=TimelineKind.DELAY_CHOICE,
            sale=message.sale,
            event="delay.choice",
            data={"order": message.sale.external_id if message.sale else "", "choice": choice},
            body=phone,
        )
        message.data = {**message.data, "choice": choice}
        case = _delay_case_follow(message, choice, label=label, phone=phone)
        if case is not None:
            message.data["case_id"] = case.pk
        message.save(update_fields=["data"])
    return message


def _delay_case_follow(message: Message, choice: str, *, label: str, phone: str) -> Complaint | None:
    """The support case after this choice: opened, reopened, told of the change, or withdrawn."""
    case = Complaint.objects.filter(pk=message.data.get("case_id")).first()
    description = f"{label} ({phone})" if phone else label
    if choice == "accept":
        if case is not None and case.is_unresolved:
            customer_services.complaint_withdraw(complaint=case, cause="delay_accept")
        return case
    if case is None:
        return customer_services.complaint_open(
            customer=message.customer,
            sale=message.sale,
            reason=Reason.DELIVERY_LATE,
            severity=Severity.HIGH,
            source=ComplaintSource.DELAY_NOTICE,
            description=description,
        )
    if not case.is_unresolved:
        return customer_services.complaint_reopen(complaint=case, why=phone, cause=f"delay_{choice}")
    customer_services.timeline_add(
        customer=message.customer,
        kind=TimelineKind.COMPLAINT,
        complaint=case,
        sale=message.sale,
        body=description,
        event="case.delay_choice",
        data={"id": case.pk, "choice": choice},
    )
    return case

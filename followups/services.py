"""What customers do from a mail's links: unsubscribe, set preferences, answer a delay notice."""

from django.db import transaction
from django.utils.translation import gettext as _

from customers import services as customer_services
from customers.choices import ComplaintSource, Reason, Severity, TimelineKind
from followups.models import Category, Message, Suppression, SuppressionReason

OPTIONAL = (Category.RELATIONSHIP, Category.SURVEY, Category.PROMOTIONAL)
DELAY_CHOICES = ("accept", "cancel", "call")


def opted_out(email: str) -> set[str]:
    return set(Suppression.objects.filter(email=email.lower(), category__in=OPTIONAL)
               .values_list("category", flat=True))


def unsubscribe(*, message: Message) -> list[str]:
    """One click: leave this mail's category (a transactional mail: every optional one)."""
    categories = [message.category] if message.category in OPTIONAL else list(OPTIONAL)
    return preferences_save(message=message,
                            keep=[c for c in OPTIONAL if c not in categories
                                  and c not in opted_out(message.customer.email)],
                            source="one-click unsubscribe")


def preferences_save(*, message: Message, keep: list[str], source: str = "preferences page"
                     ) -> list[str]:
    """Keep receiving `keep`; opt out of the other optional categories. Returns those left."""
    customer, email = message.customer, message.customer.email.lower()
    left = [c for c in OPTIONAL if c not in keep]
    with transaction.atomic():
        Suppression.objects.filter(email=email, category__in=keep,
                                   reason=SuppressionReason.UNSUBSCRIBED).delete()
        for category in left:
            Suppression.objects.get_or_create(email=email, category=category,
                                              defaults={"reason": SuppressionReason.UNSUBSCRIBED})
        wants_offers = Category.PROMOTIONAL in keep
        if wants_offers != customer.marketing_consent:
            customer_services.consent_change(customer=customer, marketing_consent=wants_offers,
                                             source=source)
        labels = ", ".join(str(Category(c).label) for c in left) or _("nothing")
        customer_services.timeline_add(customer=customer, kind=TimelineKind.CONSENT,
                                       summary=_("E-mail preferences: opted out of %(what)s")
                                       % {"what": labels})
    return left


def delay_choice_record(*, message: Message, choice: str) -> Message:
    """The customer's answer to a delay notice; cancel or call opens one case for support."""
    if choice not in DELAY_CHOICES:
        raise ValueError(choice)
    labels = {"accept": _("accepts the new date"), "cancel": _("wants to cancel the order"),
              "call": _("asks for a call")}
    with transaction.atomic():
        message = (Message.objects.select_for_update(of=("self",))
                   .select_related("customer", "sale").get(pk=message.pk))
        customer_services.timeline_add(
            customer=message.customer, kind=TimelineKind.DELAY_CHOICE, sale=message.sale,
            summary=_("Delay of %(order)s: the customer %(choice)s") % {
                "order": message.sale.external_id if message.sale else "-", "choice": labels[choice]})
        message.data = {**message.data, "choice": choice}
        if choice != "accept" and not message.data.get("case_id"):
            case = customer_services.complaint_open(
                customer=message.customer, sale=message.sale, reason=Reason.DELIVERY_LATE,
                severity=Severity.HIGH, source=ComplaintSource.DELAY_NOTICE,
                description=str(labels[choice]))
            message.data["case_id"] = case.pk
        message.save(update_fields=["data"])
    return message

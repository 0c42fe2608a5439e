"""What the engine asks the campaigns app about its mails (registered in CampaignsConfig.ready):
the manager's text as template context, and which planned mails are no longer wanted."""

import datetime as dt

from django.db.models import Exists, OuterRef
from django.template import Template, engines
from django.utils import timezone, translation
from django.utils.html import linebreaks, urlize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from campaigns.models import Campaign, Status
from customers.models import Delivery
from followups.emails import plain
from followups.models import Message, Reason


def offer_of(campaign: Campaign) -> dict:
    return {
        "code": campaign.offer_code,
        "discount": campaign.offer_discount,
        "gift": campaign.offer_gift,
        "expires_on": campaign.offer_expires_on,
    }


def sample_campaign() -> Campaign:
    """For the follow-up template editor's preview, which has no campaign to show."""
    return Campaign(
        name=_("Sample campaign"),
        subject_es="Una oferta para ti",
        text_es="Hola, {{ first_name }}:\n\nTenemos algo para ti.",
        subject_en="An offer for you",
        text_en="Hi {{ first_name }},\n\nWe have something for you.",
        offer_code="SAMPLE10",
        offer_discount="10%",
        offer_gift="Una taza",
        offer_expires_on=timezone.localdate() + dt.timedelta(days=30),
    )


def render_texts(campaign: Campaign, language: str, context: dict) -> dict:
    """The manager's subject and text, through the follow-up templates' path: plain (not
    escaped) for the subject and text part, escaped with clickable links for the HTML part."""
    engine = engines["django"].engine
    source_subject, source_text = (
        (campaign.subject_en, campaign.text_en)
        if language == "en"
        else (campaign.subject_es, campaign.text_es)
    )
    subject = plain(Template(source_subject, engine=engine), context)
    text = plain(Template(source_text, engine=engine), context).strip()
    return {
        "campaign_subject": " ".join(subject.split()),
        "campaign_text": text,
        # Escaped by urlize(autoescape=True) before linebreaks wraps it.
        "campaign_html": mark_safe(linebreaks(urlize(text, autoescape=True))),  # noqa: S308
    }


def context(message: Message, preview: bool) -> dict:
    campaign = Campaign.objects.filter(pk=message.data.get("campaign")).first()
    if campaign is None:
        campaign = sample_campaign()
    offer = offer_of(campaign)
    own = {
        "first_name": message.customer.first_name,
        "customer": message.customer,
        "offer": offer,
        "campaign": campaign,
    }
    return {
        "campaign": campaign,
        "offer": offer,
        **render_texts(campaign, translation.get_language() or "es", own),
    }


def unwanted(messages: list[Message]) -> dict[int, str]:
    """A stopped campaign sends nothing more (stop already cancels its rows; this catches a row
    claimed at that very moment), and no offer goes to a customer whose order is late: they
    must hear about their parcel, not a sale. The engine's hook can only cancel, not defer."""
    campaign_ids = {m.data.get("campaign") for m in messages}
    live = set(
        Campaign.objects.filter(pk__in=campaign_ids)
        .exclude(status__in=[Status.STOPPED, Status.DRAFT])
        .values_list("pk", flat=True)
    )
    late = set(late_customers({m.customer_id for m in messages}))
    found = {}
    for m in messages:
        if m.data.get("campaign") not in live:
            found[m.pk] = Reason.STOPPED
        elif m.customer_id in late:
            found[m.pk] = Reason.ORDER_NOT_DELIVERED
    return found


def late_customers(customer_ids):
    today = timezone.localdate()
    return (
        Delivery.objects.late(today)
        .filter(sale__customer_id__in=customer_ids)
        .values_list("sale__customer_id", flat=True)
        .distinct()
    )


def late_order_exists(today: dt.date | None = None) -> Exists:
    """For the audience's held-back count: the customer has a late order now."""
    return Exists(
        Delivery.objects.late(today or timezone.localdate()).filter(sale__customer_id=OuterRef("pk"))
    )

"""One demo campaign: a win-back launched 45 days ago, its holdout, its mail as sent, and a few
sales that came back with the offer code, so the results page has something to show."""

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from campaigns.models import Campaign, CampaignMember, Group
from campaigns.services import campaign_launch
from customers import services
from followups.models import Message, State

DEMO_CODE = "VUELVE15"


def demo_campaign(*, rng: random.Random, prefix: str, now: dt.datetime | None = None) -> int:
    """Returns how many customers the campaign drew."""
    now = now or timezone.now()
    launched = now - dt.timedelta(days=45)
    campaign = Campaign.objects.create(
        name="Te echamos de menos",
        schedule="winback",
        last_purchase_days=120,
        consent_only=False,
        offer_code=DEMO_CODE,
        offer_discount="15%",
        subject_es="{{ first_name }}, te echamos de menos",
        text_es="Hola, {{ first_name }}:\n\nHace tiempo que no pasas por la tienda. Vuelve con "
        "un 15% de descuento en tu próximo pedido.",
        subject_en="{{ first_name }}, we miss you",
        text_en="Hi {{ first_name }},\n\nIt has been a while. Come back for 15% off your next order.",
        window_hours=6,
        salt="demo-winback",
    )
    drawn = campaign_launch(campaign=campaign, now=launched)
    # The demo's past: its mail went out then (the dispatcher would now find it expired).
    Message.objects.filter(campaign_member__campaign=campaign).update(
        state=State.SENT, sent_at=launched, subject="Te echamos de menos"
    )
    sent = list(
        CampaignMember.objects.filter(campaign=campaign, group=Group.SENT)
        .select_related("customer")
        .order_by("pk")
    )
    holdout = list(
        CampaignMember.objects.filter(campaign=campaign, group=Group.HOLDOUT)
        .select_related("customer")
        .order_by("pk")
    )
    for n, member in enumerate(rng.sample(sent, min(len(sent), 12))):
        _comeback(
            member,
            f"{prefix}WB-{n + 1}",
            launched + dt.timedelta(days=rng.randint(2, 30)),
            code=DEMO_CODE if n % 3 else None,
        )
    for n, member in enumerate(rng.sample(holdout, min(len(holdout), 1))):
        _comeback(member, f"{prefix}WBH-{n + 1}", launched + dt.timedelta(days=rng.randint(5, 40)))
    return drawn


def _comeback(member, external_id, ordered_at, code=None):
    services.sale_record(
        external_id=external_id,
        customer=member.customer,
        ordered_at=ordered_at,
        offer_code=code,
        lines=[
            services.LineData(
                sku="CAF-01", name="Cafetera", category="hogar", quantity=1, unit_price=Decimal("59.90")
            )
        ],
        delivery={"status": "delivered", "delivered_at": ordered_at + dt.timedelta(days=2)},
    )

"""Results: on a fixture whose numbers are worked out by hand below, the selector, the page and
the API agree with the hand."""

import datetime as dt
import math
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.models import CampaignMember, Group, Status
from campaigns.selectors import campaign_results
from campaigns.stats import uplift
from followups.models import Category, EventKind, Kind, Message, MessageEvent, State
from tests.campaigns.conftest import make_campaign
from tests.customers.api_helpers import api_client
from tests.customers.factories import CustomerFactory, SaleFactory

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)


def sale(customer, days, amount, code=None):
    SaleFactory(
        customer=customer,
        ordered_at=T0 + dt.timedelta(days=days),
        offer_code=code,
        lines__unit_price=Decimal(amount),
    )


@pytest.fixture
def campaign(db):
    """Sent: 10 members; 4 buy 50.00 at day 10 (two with the code), 1 more buys 30.00 at day
    60, one bought before the draw (does not count). Holdout: 5 members; 1 buys 40.00 at day 5,
    1 buys at day 100 (outside 90 days). Three mails opened (one twice), one clicked, one
    unsubscribe."""
    campaign = make_campaign(offer_code="VUELVE10", status=Status.RUNNING, launched_at=T0)
    sent = CustomerFactory.create_batch(10)
    holdout = CustomerFactory.create_batch(5)
    for n, person in enumerate(sent):
        message = Message.objects.create(
            kind=Kind.CAMPAIGN,
            category=Category.PROMOTIONAL,
            customer=person,
            dedupe_key=f"campaign:{campaign.pk}:customer:{person.pk}",
            planned_at=T0,
            expires_at=T0 + dt.timedelta(days=7),
            state=State.SENT if n < 8 else State.SUPPRESSED,
            sent_at=T0 if n < 8 else None,
        )
        CampaignMember.objects.create(
            campaign=campaign, customer=person, group=Group.SENT, assigned_at=T0, message=message
        )
    for person in holdout:
        CampaignMember.objects.create(campaign=campaign, customer=person, group=Group.HOLDOUT, assigned_at=T0)
    for n, person in enumerate(sent[:4]):
        sale(person, 10, "50.00", code="VUELVE10" if n < 2 else None)
    sale(sent[4], 60, "30.00")
    sale(sent[5], -3, "99.00")
    sale(holdout[0], 5, "40.00")
    sale(holdout[1], 100, "70.00")
    SaleFactory(ordered_at=T0 - dt.timedelta(days=1), offer_code="VUELVE10")  # before launch
    messages = [
        m.message
        for m in CampaignMember.objects.filter(group=Group.SENT).select_related("message").order_by("pk")
    ]
    for message, event in [
        (messages[0], EventKind.OPENED),
        (messages[0], EventKind.OPENED),
        (messages[1], EventKind.OPENED),
        (messages[2], EventKind.OPENED),
        (messages[0], EventKind.CLICKED),
        (messages[3], EventKind.UNSUBSCRIBED),
    ]:
        MessageEvent.objects.create(message=message, event=event, at=T0)
    return campaign


# By hand. 30 days: p1 = 4/10, p2 = 1/5; se = sqrt(.4*.6/10 + .2*.8/5) = sqrt(.056).
# 90 days: p1 = 5/10, p2 = 1/5; se = sqrt(.5*.5/10 + .2*.8/5) = sqrt(.057).
HAND_30 = (0.2, 0.2 - 1.959964 * math.sqrt(0.056), 0.2 + 1.959964 * math.sqrt(0.056))
HAND_90 = (0.3, 0.3 - 1.959964 * math.sqrt(0.057), 0.3 + 1.959964 * math.sqrt(0.057))


def test_the_selector_matches_the_hand(campaign):
    results = campaign_results(campaign)
    assert (results.sent.members, results.sent.bought_30, results.sent.bought_90) == (10, 4, 5)
    assert (results.holdout.members, results.holdout.bought_30, results.holdout.bought_90) == (5, 1, 1)
    assert results.sent.revenue_per_customer == Decimal("23.00")  # (4*50 + 30) / 10
    assert results.holdout.revenue_per_customer == Decimal("8.00")  # 40 / 5
    for got, hand in ((results.uplift_30, HAND_30), (results.uplift_90, HAND_90)):
        assert (got.difference, got.low, got.high) == pytest.approx(hand, abs=1e-9)
    assert results.uplift_30.low == pytest.approx(-0.263812, abs=1e-6)
    assert results.messages == {State.SENT: 8, State.SUPPRESSED: 2}
    assert results.events == {
        EventKind.OPENED: 3,
        EventKind.CLICKED: 1,
        EventKind.UNSUBSCRIBED: 1,
        EventKind.COMPLAINED: 0,
    }
    assert (results.attributed_sales, results.attributed_revenue, results.attributed_customers) == (
        2,
        Decimal("100.00"),
        2,
    )


def test_results_cost_a_fixed_number_of_queries(campaign, django_assert_num_queries):
    with django_assert_num_queries(4):
        campaign_results(campaign)


@pytest.mark.parametrize(("language", "point"), [("es", ","), ("en", ".")])
def test_the_page_shows_the_same_numbers(campaign, manager_client, language, point):
    manager_client.cookies["django_language"] = language
    response = manager_client.get(f"/campaigns/{campaign.pk}/results/")
    assert response.status_code == 200
    page = response.content.decode().replace(point, "#")
    assert "40#0 %" in page and "20#0 %" in page  # 30-day shares, sent and holdout
    assert "+20#0" in page and "−26#4" in page and "+66#4" in page  # uplift and its interval
    assert "+30#0" in page and "−16#8" in page and "+76#8" in page
    assert "23#00" in page and "8#00" in page and "100#00" in page


def test_the_api_gives_the_same_numbers(campaign, manager):
    body = api_client(manager).get(f"/api/v1/campaigns/{campaign.pk}/results/").json()
    assert body["sent"]["share_30"] == 0.4 and body["holdout"]["share_30"] == 0.2
    lift = body["uplift_30"]
    assert (lift["difference"], lift["low"], lift["high"]) == pytest.approx(HAND_30, abs=1e-9)
    assert body["uplift_90"]["low"] == pytest.approx(HAND_90[1], abs=1e-9)
    assert body["sent"]["revenue_per_customer"] == "23.00"
    assert body["attributed_sales"] == 2 and body["events"]["opened"] == 3


def test_the_api_and_the_pages_are_for_managers_only(campaign, support, support_client):
    assert api_client(support).get(f"/api/v1/campaigns/{campaign.pk}/results/").status_code == 403
    assert support_client.get(f"/campaigns/{campaign.pk}/results/").status_code == 403
    assert support_client.get("/campaigns/").status_code == 403


def test_no_holdout_yet_means_no_uplift():
    assert uplift(bought_sent=3, n_sent=10, bought_holdout=0, n_holdout=0) is None


def test_a_sale_before_the_draw_counts_for_nobody(campaign):
    # sent[5]'s purchase three days before the draw: 5, not 6, bought within 90 days.
    assert campaign_results(campaign).sent.bought_90 == 5
    assert timezone.is_aware(T0)

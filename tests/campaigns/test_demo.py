from campaigns.models import Campaign, Group
from campaigns.selectors import campaign_results
from customers.demo import seed_demo


def test_the_demo_has_a_campaign_with_its_holdout_and_attributed_sales(db):
    counts = seed_demo(customers=60)
    campaign = Campaign.objects.get()
    results = campaign_results(campaign)
    assert counts["campaign_members"] == results.sent.members + results.holdout.members
    assert results.holdout.members > 0 and results.sent.bought_30 > 0
    assert results.attributed_sales > 0
    assert campaign.members.filter(group=Group.SENT, message__state="sent").exists()

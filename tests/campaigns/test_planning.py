"""Launching plans the sent group's mail through the outbox, set-based and spread over the
window; the holdout gets no row; the draw is recorded first and a re-plan moves nobody."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from campaigns.models import CampaignMember, Group, Schedule, Status
from campaigns.services import campaign_launch, campaign_plan, campaigns_sweep
from followups.models import Category, Kind, Message, State
from tests.campaigns.conftest import buyer, make_campaign, salt_for
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


@time_machine.travel(NOON, tick=False)
def test_launch_plans_one_row_per_sent_member_and_none_for_the_holdout():
    kept, held = CustomerFactory(), CustomerFactory()
    campaign = salt_for(make_campaign(holdout_percent=50), sent=[kept], holdout=[held])
    assert campaign_launch(campaign=campaign) == 2
    member = CampaignMember.objects.get(campaign=campaign, customer=kept)
    assert member.group == Group.SENT and member.assigned_at == NOON
    message = member.message
    assert (message.kind, message.category, message.state) == (
        Kind.CAMPAIGN,
        Category.PROMOTIONAL,
        State.PLANNED,
    )
    assert message.dedupe_key == f"campaign:{campaign.pk}:customer:{kept.pk}"
    assert message.data == {"campaign": campaign.pk}
    holdout = CampaignMember.objects.get(campaign=campaign, customer=held)
    assert holdout.group == Group.HOLDOUT and holdout.message is None
    assert not Message.objects.filter(customer=held).exists()
    campaign.refresh_from_db()
    assert campaign.status == Status.RUNNING and campaign.launched_at == NOON


@time_machine.travel(NOON, tick=False)
def test_rows_are_spread_over_the_chosen_window():
    CustomerFactory.create_batch(40)
    campaign = make_campaign(holdout_percent=1, window_hours=10)
    campaign_launch(campaign=campaign)
    # Each drawn customer has a slot, held out or not: slot k leaves at NOON + k x (10 h / 40).
    # (Which customers the holdout takes is a hash of a random salt, so the first or last slot
    # may be a held-out customer's.)
    drawn = list(CampaignMember.objects.filter(campaign=campaign).order_by("customer_id"))
    slot = {member.customer_id: k for k, member in enumerate(drawn)}
    step = dt.timedelta(hours=10) / 40
    messages = list(Message.objects.all())
    assert len(drawn) == 40 and messages
    assert all(m.planned_at == NOON + step * slot[m.customer_id] for m in messages)
    times = [m.planned_at for m in messages]
    assert NOON <= min(times) and max(times) < NOON + dt.timedelta(hours=10)
    assert len(set(times)) == len(times)
    assert all(m.expires_at == m.planned_at + dt.timedelta(days=7) for m in Message.objects.all())


@time_machine.travel(NOON, tick=False)
def test_an_offer_expiry_caps_how_long_a_mail_may_wait():
    person = CustomerFactory()
    campaign = make_campaign(holdout_percent=1, offer_code="VUELVE10", offer_expires_on=dt.date(2026, 3, 12))
    salt_for(campaign, sent=[person])
    campaign_launch(campaign=campaign)
    message = Message.objects.get()
    assert timezone.localtime(message.expires_at).date() == dt.date(2026, 3, 13)
    assert message.expires_at < NOON + dt.timedelta(days=7)


def test_a_draft_only_launches_once():
    campaign = make_campaign()
    campaign_launch(campaign=campaign)
    with pytest.raises(ValidationError):
        campaign_launch(campaign=campaign)


def test_the_holdout_share_is_about_what_was_asked():
    CustomerFactory.create_batch(600)
    campaign = make_campaign(holdout_percent=10)
    campaign_launch(campaign=campaign)
    held = CampaignMember.objects.filter(campaign=campaign, group=Group.HOLDOUT).count()
    assert 30 <= held <= 90  # 60 expected; a binomial's 4 standard deviations either side
    assert Message.objects.count() == 600 - held


def test_a_replan_moves_nobody_between_groups_and_plans_no_second_row():
    CustomerFactory.create_batch(50)
    campaign = make_campaign(holdout_percent=30, schedule=Schedule.WINBACK)
    campaign_launch(campaign=campaign)
    before = dict(CampaignMember.objects.values_list("customer_id", "group"))
    rows_before = Message.objects.count()
    newcomers = CustomerFactory.create_batch(20)
    # Someone edits the share afterwards: the recorded draw must still hold for everyone.
    campaign.holdout_percent = 50
    campaign.save()
    assert campaign_plan(campaign=campaign) == 20
    assert campaign_plan(campaign=campaign) == 0
    after = dict(CampaignMember.objects.values_list("customer_id", "group"))
    assert {k: after[k] for k in before} == before
    assert set(after) == set(before) | {c.pk for c in newcomers}
    new_sent = sum(1 for c in newcomers if after[c.pk] == Group.SENT)
    assert Message.objects.count() == rows_before + new_sent
    assert not CampaignMember.objects.filter(group=Group.SENT, message__isnull=True).exists()


def test_the_draw_is_a_function_of_salt_and_customer_alone():
    campaign = make_campaign(holdout_percent=25)
    ids = range(1, 2000)
    first = [campaign.in_holdout(i) for i in ids]
    assert first == [campaign.in_holdout(i) for i in ids]
    campaign.salt = "another"
    assert first != [campaign.in_holdout(i) for i in ids]


def test_planning_costs_a_fixed_number_of_queries_per_batch(django_assert_max_num_queries):
    for _ in range(5):
        buyer(days_ago=100)
    small = make_campaign(last_purchase_days=90)
    with django_assert_max_num_queries(12):
        campaign_launch(campaign=small)
    for _ in range(60):
        buyer(days_ago=100)
    large = make_campaign(last_purchase_days=90)
    # Not one query per customer: SQLite may split an INSERT for its bound-parameter limit.
    with django_assert_max_num_queries(12):
        campaign_launch(campaign=large)
    assert CampaignMember.objects.filter(campaign=large).count() == 65


def test_the_standing_sweep_draws_newcomers_and_finishes_one_off_campaigns():
    CustomerFactory()
    standing = make_campaign(schedule=Schedule.WINBACK, last_purchase_days=30)
    once = make_campaign(holdout_percent=1)
    campaign_launch(campaign=standing)
    campaign_launch(campaign=once)
    buyer(days_ago=40)
    Message.objects.filter(campaign_member__campaign=once).update(state=State.SENT)
    assert campaigns_sweep() == 1
    once.refresh_from_db()
    standing.refresh_from_db()
    assert (once.status, standing.status) == (Status.FINISHED, Status.RUNNING)


def test_the_beat_task_runs_the_sweep():
    from campaigns.tasks import campaigns_sweep_task

    campaign = make_campaign(schedule=Schedule.WINBACK, last_purchase_days=30)
    campaign_launch(campaign=campaign)
    buyer(days_ago=40)
    assert campaigns_sweep_task.delay().get() == 1

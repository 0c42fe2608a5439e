"""Writes: launch a campaign (draw its audience into sent and holdout, plan the sent group's
mail through the outbox), re-plan a standing one, stop one."""

import datetime as dt
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignMember, Group, Status
from campaigns.selectors import audience
from followups.models import Kind, Message, Reason, State
from followups.outbox import messages_plan

BATCH = 1000
# How long a planned mail may wait (deferred by quiet hours, budget, an open case) before it
# is cancelled as expired: an offer is not news after a week.
MAIL_WINDOW = dt.timedelta(days=7)


def dedupe_key(campaign_id: int, customer_id: int) -> str:
    return f"campaign:{campaign_id}:customer:{customer_id}"


def campaign_launch(*, campaign: Campaign, now: dt.datetime | None = None) -> int:
    """Start a draft campaign: status running, then its first plan (see campaign_plan).
    Returns the number of customers drawn."""
    now = now or timezone.now()
    if campaign.status != Status.DRAFT:
        raise ValidationError(_("Only a draft campaign can be launched."), code="not_draft")
    if campaign.offer_expires_on and campaign.offer_expires_on < timezone.localdate(now):
        raise ValidationError(_("The offer has already expired."), code="offer_expired")
    with transaction.atomic():
        changed = Campaign.objects.filter(pk=campaign.pk, status=Status.DRAFT).update(
            status=Status.RUNNING, launched_at=now
        )
        if not changed:
            raise ValidationError(_("Only a draft campaign can be launched."), code="not_draft")
        campaign.status, campaign.launched_at = Status.RUNNING, now
    return campaign_plan(campaign=campaign, now=now)


def campaign_plan(*, campaign: Campaign, now: dt.datetime | None = None) -> int:
    """Draw the audience's new customers into sent or holdout and plan the sent ones' mail.

    Set-based, one transaction per batch of 1,000 customers: one SELECT of ids, one INSERT of
    members, one INSERT of outbox rows (dedupe key campaign:<id>:customer:<id>, so a second
    plan of a customer is skipped) and one UPDATE linking members to their rows. Customers
    already drawn keep their group: the draw is a hash of the campaign's salt and the customer,
    and their member row is never rewritten. The holdout gets no row. Mail is spread evenly
    over the campaign's window so the dispatcher is not flooded. Returns how many were drawn.
    """
    now = now or timezone.now()
    if campaign.status != Status.RUNNING:
        return 0
    drawn = CampaignMember.objects.filter(campaign=campaign, customer_id=OuterRef("pk"))
    ids = (
        audience(campaign, now=now)
        .exclude(pk__in=Subquery(drawn.values("customer_id")))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # The ids are read once, before the inserts, so the stagger knows the total. 200,000 ids
    # are a few MB; a million would want a server-side cursor here.
    ids = list(ids)
    step = dt.timedelta(hours=campaign.window_hours) / max(len(ids), 1)
    for start, batch in _chunks(ids):
        _plan_batch(campaign, batch, now=now, first=start, step=step)
    return len(ids)


def _chunks(ids: list[int]) -> Iterator[tuple[int, list[int]]]:
    for start in range(0, len(ids), BATCH):
        yield start, ids[start : start + BATCH]


def _plan_batch(campaign: Campaign, ids: list[int], *, now, first: int, step) -> None:
    expires_cap = None
    if campaign.offer_expires_on:
        end_of_day = dt.datetime.combine(campaign.offer_expires_on + dt.timedelta(days=1), dt.time.min)
        expires_cap = timezone.make_aware(end_of_day)
    members, rows = [], []
    for offset, customer_id in enumerate(ids):
        holdout = campaign.in_holdout(customer_id)
        members.append(
            CampaignMember(
                campaign=campaign,
                customer_id=customer_id,
                assigned_at=now,
                group=Group.HOLDOUT if holdout else Group.SENT,
            )
        )
        if holdout:
            continue
        planned_at = now + step * (first + offset)
        expires_at = planned_at + MAIL_WINDOW
        if expires_cap and expires_cap < expires_at:
            expires_at = max(expires_cap, planned_at + dt.timedelta(minutes=1))
        rows.append(
            Message(
                kind=Kind.CAMPAIGN,
                customer_id=customer_id,
                planned_at=planned_at,
                expires_at=expires_at,
                dedupe_key=dedupe_key(campaign.pk, customer_id),
                data={"campaign": campaign.pk},
            )
        )
    with transaction.atomic():
        CampaignMember.objects.bulk_create(members, batch_size=BATCH, ignore_conflicts=True)
        messages_plan(rows)
        _link_messages(campaign, ids)


def _link_messages(campaign: Campaign, ids: list[int]) -> None:
    """Members point at their outbox row, found by its unique dedupe key: one UPDATE."""
    key = Concat(
        Value(f"campaign:{campaign.pk}:customer:"),
        Cast(OuterRef("customer_id"), CharField()),
        output_field=CharField(),
    )
    CampaignMember.objects.filter(
        campaign=campaign, customer_id__in=ids, group=Group.SENT, message__isnull=True
    ).update(message=Subquery(Message.objects.filter(dedupe_key=key).values("pk")[:1]))


def campaign_stop(*, campaign: Campaign, now: dt.datetime | None = None) -> int:
    """Stop a running campaign: nothing more is planned, and its rows not yet sent are cancelled
    with reason "stopped" in one UPDATE (one transaction). Returns how many were cancelled."""
    now = now or timezone.now()
    if campaign.status != Status.RUNNING:
        raise ValidationError(_("Only a running campaign can be stopped."), code="not_running")
    with transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(status=Status.STOPPED, stopped_at=now)
        campaign.status, campaign.stopped_at = Status.STOPPED, now
        return Message.objects.filter(
            kind=Kind.CAMPAIGN,
            state=State.PLANNED,
            pk__in=CampaignMember.objects.filter(campaign=campaign, message__isnull=False).values(
                "message_id"
            ),
        ).update(state=State.CANCELLED, reason=Reason.STOPPED, deferred_until=None)


def campaigns_sweep(*, now: dt.datetime | None = None) -> int:
    """The daily beat sweep: standing campaigns draw and plan their newly qualifying customers;
    a one-off campaign with nothing left to send is finished. Returns customers drawn."""
    now = now or timezone.now()
    drawn = 0
    for campaign in Campaign.objects.filter(status=Status.RUNNING):
        if campaign.is_standing:
            drawn += campaign_plan(campaign=campaign, now=now)
        elif not Message.objects.filter(
            campaign_member__campaign=campaign, state__in=[State.PLANNED, State.SENDING]
        ).exists():
            Campaign.objects.filter(pk=campaign.pk, status=Status.RUNNING).update(status=Status.FINISHED)
    return drawn

"""Campaign mail goes through the outbox and obeys every send-time rule: consent, unsubscribes,
an open case, the contact budget, quiet hours, defer-not-drop; a late order and a stopped
campaign cancel it. And its content: the manager's text per language, escaped only in HTML."""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from campaigns.models import CampaignMember
from campaigns.services import campaign_launch, campaign_stop
from customers.choices import ComplaintStatus
from followups.dispatch import dispatch_due
from followups.models import Category, Kind, Message, Reason, State, Suppression
from tests.campaigns.conftest import make_campaign, salt_for
from tests.customers.factories import (
    ComplaintFactory,
    CustomerFactory,
    DeliveryFactory,
    SaleFactory,
)

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=MADRID)
pytestmark = pytest.mark.usefixtures("outbox_mail", "rules")


def launch(*customers, **values):
    campaign = salt_for(make_campaign(window_hours=1, **values), sent=customers)
    campaign_launch(campaign=campaign)
    return campaign


def mail_of(customer) -> Message:
    return CampaignMember.objects.select_related("message").get(customer=customer).message


def outcome(customer):
    message = Message.objects.get(pk=mail_of(customer).pk)
    return message.state, message.reason


def dispatch_at(moment):
    with time_machine.travel(moment, tick=False):
        dispatch_due()


@time_machine.travel(NOON, tick=False)
def test_campaign_mail_is_sent_with_the_managers_text_in_the_customers_language(outbox_mail):
    spanish = CustomerFactory(marketing_consent=True, name="Lucía Gómez", language="es")
    english = CustomerFactory(marketing_consent=True, name="John Smith", language="en")
    launch(
        spanish, english, offer_code="VUELVE10", offer_discount="15%", offer_expires_on=dt.date(2026, 3, 31)
    )
    dispatch_at(NOON + dt.timedelta(hours=2))
    assert outcome(spanish) == (State.SENT, "")
    by_to = {mail.to[0]: mail for mail in outbox_mail}
    es, en = by_to[spanish.email], by_to[english.email]
    assert es.subject == "Lucía, vuelve" and en.subject == "John, come back"
    assert "Hola, Lucía: te esperamos & más." in es.body  # text part: not escaped
    assert "Tu código: VUELVE10" in es.body and "Válido hasta el 31/3/2026" in es.body
    assert "Your code: VUELVE10" in en.body and "Discount: 15%" in en.body
    html = es.alternatives[0][0]
    assert "te esperamos &amp; más." in html and "VUELVE10" in html  # HTML part: escaped
    assert es.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@time_machine.travel(NOON, tick=False)
def test_without_consent_it_is_suppressed(outbox_mail):
    without, with_consent = CustomerFactory(), CustomerFactory(marketing_consent=True)
    launch(without, with_consent)
    dispatch_at(NOON + dt.timedelta(hours=2))
    assert outcome(without) == (State.SUPPRESSED, Reason.NO_CONSENT)
    assert outcome(with_consent)[0] == State.SENT
    assert [mail.to for mail in outbox_mail] == [[with_consent.email]]


@time_machine.travel(NOON, tick=False)
def test_unsubscribed_from_offers_is_suppressed_but_other_unsubscribes_are_not():
    offers, surveys = (CustomerFactory(marketing_consent=True) for _ in range(2))
    Suppression.objects.create(email=offers.email, category=Category.PROMOTIONAL, reason="unsubscribed")
    Suppression.objects.create(email=surveys.email, category=Category.SURVEY, reason="unsubscribed")
    launch(offers, surveys)
    dispatch_at(NOON + dt.timedelta(hours=2))
    assert outcome(offers) == (State.SUPPRESSED, Reason.UNSUBSCRIBED)
    assert outcome(surveys)[0] == State.SENT


@time_machine.travel(NOON, tick=False)
def test_an_open_case_defers_it_and_it_goes_once_the_case_is_resolved(outbox_mail):
    customer = CustomerFactory(marketing_consent=True)
    case = ComplaintFactory(customer=customer, status=ComplaintStatus.OPEN)
    launch(customer)
    dispatch_at(NOON + dt.timedelta(hours=2))
    assert outcome(customer) == (State.PLANNED, Reason.OPEN_COMPLAINT)
    assert outbox_mail == []
    case.status = ComplaintStatus.RESOLVED
    case.save()
    dispatch_at(NOON + dt.timedelta(hours=9))
    assert outcome(customer)[0] == State.SENT  # deferred, not dropped


@time_machine.travel(NOON, tick=False)
def test_the_contact_budget_defers_it(rules):
    rules.frequency_cap = 1
    rules.save()
    customer = CustomerFactory(marketing_consent=True)
    Message.objects.create(
        kind=Kind.BIRTHDAY,
        category=Category.RELATIONSHIP,
        customer=customer,
        dedupe_key="b",
        state=State.SENT,
        planned_at=NOON,
        expires_at=NOON,
        sent_at=NOON - dt.timedelta(days=1),
    )
    launch(customer)
    dispatch_at(NOON + dt.timedelta(hours=2))
    message = Message.objects.get(pk=mail_of(customer).pk)
    assert (message.state, message.reason) == (State.PLANNED, Reason.FREQUENCY_CAP)
    assert message.planned_at == NOON + dt.timedelta(days=6)
    dispatch_at(NOON + dt.timedelta(days=6, minutes=1))
    assert outcome(customer)[0] == State.SENT


@time_machine.travel(NOON, tick=False)
def test_quiet_hours_defer_it_to_the_morning(rules):
    rules.quiet_hours_start, rules.quiet_hours_end = 21, 9
    rules.save()
    customer = CustomerFactory(marketing_consent=True, time_zone="Europe/Madrid")
    launch(customer)
    night = dt.datetime(2026, 3, 10, 23, 0, tzinfo=MADRID)
    dispatch_at(night)
    message = Message.objects.get(pk=mail_of(customer).pk)
    assert (message.state, message.reason) == (State.PLANNED, Reason.QUIET_HOURS)
    assert message.planned_at == dt.datetime(2026, 3, 11, 9, 0, tzinfo=MADRID)


@time_machine.travel(NOON, tick=False)
def test_a_deferral_past_the_window_cancels_it_with_the_rule_that_held_it():
    customer = CustomerFactory(marketing_consent=True)
    ComplaintFactory(customer=customer, status=ComplaintStatus.OPEN)
    launch(customer)
    for hours in range(2, 24 * 8, 6):
        dispatch_at(NOON + dt.timedelta(hours=hours))
    message = Message.objects.get(pk=mail_of(customer).pk)
    assert (message.state, message.reason, message.held_by) == (
        State.CANCELLED,
        Reason.EXPIRED,
        Reason.OPEN_COMPLAINT,
    )


@time_machine.travel(NOON, tick=False)
def test_a_late_order_cancels_the_offer(outbox_mail):
    late, fine = (CustomerFactory(marketing_consent=True) for _ in range(2))
    DeliveryFactory(sale=SaleFactory(customer=late, ordered_at=NOON - dt.timedelta(days=10)))
    DeliveryFactory(sale=SaleFactory(customer=fine, ordered_at=NOON - dt.timedelta(days=10)), delivered=True)
    launch(late, fine)
    dispatch_at(NOON + dt.timedelta(hours=2))
    assert outcome(late) == (State.CANCELLED, Reason.ORDER_NOT_DELIVERED)
    assert outcome(fine)[0] == State.SENT


@time_machine.travel(NOON, tick=False)
def test_a_stopped_campaign_sends_nothing_more(outbox_mail):
    first, second = (CustomerFactory(marketing_consent=True) for _ in range(2))
    campaign = salt_for(make_campaign(window_hours=10), sent=[first, second])
    campaign_launch(campaign=campaign)
    early, late = sorted([mail_of(first), mail_of(second)], key=lambda m: m.planned_at)
    dispatch_at(NOON + dt.timedelta(hours=1))
    assert Message.objects.get(pk=early.pk).state == State.SENT
    with time_machine.travel(NOON + dt.timedelta(hours=2), tick=False):
        assert campaign_stop(campaign=campaign) == 1
    dispatch_at(NOON + dt.timedelta(hours=12))
    stopped = Message.objects.get(pk=late.pk)
    assert (stopped.state, stopped.reason) == (State.CANCELLED, Reason.STOPPED)
    assert len(outbox_mail) == 1


@time_machine.travel(NOON, tick=False)
def test_a_row_claimed_after_the_stop_is_cancelled_by_the_owner_hook(outbox_mail):
    customer = CustomerFactory(marketing_consent=True)
    campaign = launch(customer)
    campaign.status = "stopped"  # as if the stop's UPDATE ran after this row was planned again
    campaign.save(update_fields=["status"])
    dispatch_at(NOON + dt.timedelta(hours=2))
    assert outcome(customer) == (State.CANCELLED, Reason.STOPPED)
    assert outbox_mail == []

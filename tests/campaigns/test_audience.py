"""Each audience rule selects whom it should and leaves out whom it should; held-back counts
match the rules; the preview costs the same queries for 3 customers as for 30."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.selectors import audience, audience_preview, held_back
from customers.choices import ComplaintStatus, DeliveryStatus, LifecycleStage
from followups.models import Category, Kind, Message, State, Suppression, SuppressionReason
from tests.campaigns.conftest import buyer, make_campaign
from tests.customers.factories import (
    ComplaintFactory,
    CustomerFactory,
    DeliveryFactory,
    SaleFactory,
)

pytestmark = pytest.mark.django_db


def members(campaign) -> set[int]:
    return set(audience(campaign).values_list("pk", flat=True))


def test_last_purchase_more_than_n_days_ago():
    lapsed, recent, never = buyer(days_ago=120), buyer(days_ago=10), CustomerFactory()
    SaleFactory(customer=lapsed, ordered_at=timezone.now() - dt.timedelta(days=200))
    chosen = members(make_campaign(last_purchase_days=90))
    assert lapsed.pk in chosen
    assert recent.pk not in chosen and never.pk not in chosen


def test_number_of_purchases_at_least_and_at_most():
    once, thrice = buyer(), buyer()
    SaleFactory.create_batch(2, customer=thrice)
    assert members(make_campaign(min_purchases=3)) == {thrice.pk}
    assert members(make_campaign(max_purchases=1)) == {once.pk}


def test_total_spent():
    small, big = buyer(amount="20.00"), buyer(amount="300.00")
    assert members(make_campaign(min_spent=Decimal("100"))) == {big.pk}
    assert members(make_campaign(max_spent=Decimal("100"))) == {small.pk}


def test_product_category_bought():
    books, sport = buyer(category="libros"), buyer(category="deporte")
    assert members(make_campaign(category="libros")) == {books.pk}
    assert sport.pk in members(make_campaign(category="deporte"))


def test_rules_combine_without_multiplying_rows():
    person = buyer(days_ago=100, category="libros", amount="50.00")
    SaleFactory(
        customer=person,
        ordered_at=timezone.now() - dt.timedelta(days=150),
        lines=2,
        lines__category="libros",
        lines__unit_price=Decimal("10"),
    )
    campaign = make_campaign(
        last_purchase_days=90, category="libros", min_purchases=2, min_spent=Decimal("70")
    )
    assert list(audience(campaign).values_list("pk", flat=True)) == [person.pk]
    assert audience(make_campaign(min_spent=Decimal("71"), category="libros")).count() == 0


def test_lifecycle_stage_and_at_risk():
    loyal = CustomerFactory(lifecycle_stage=LifecycleStage.LOYAL)
    staged = CustomerFactory(lifecycle_stage=LifecycleStage.AT_RISK)
    predicted = CustomerFactory(lifecycle_stage=LifecycleStage.ACTIVE, predicted_at_risk=True)
    assert members(make_campaign(lifecycle_stage=LifecycleStage.LOYAL)) == {loyal.pk}
    assert members(make_campaign(at_risk_only=True)) == {staged.pk, predicted.pk}


def test_language():
    english, spanish = CustomerFactory(language="en"), CustomerFactory(language="es")
    assert members(make_campaign(language="en")) == {english.pk}
    assert spanish.pk in members(make_campaign(language="es"))


def test_consent_only():
    yes, no = CustomerFactory(marketing_consent=True), CustomerFactory(marketing_consent=False)
    assert members(make_campaign(consent_only=True)) == {yes.pk}
    assert members(make_campaign(consent_only=False)) == {yes.pk, no.pk}


def holds(campaign) -> dict[str, int]:
    return {hold.code: hold.count for hold in held_back(campaign)}


def test_held_back_no_consent(rules):
    CustomerFactory(marketing_consent=True)
    CustomerFactory(marketing_consent=False)
    CustomerFactory(marketing_consent=True, do_not_contact=True)
    assert holds(make_campaign())["no_consent"] == 2


def test_held_back_open_case(rules):
    ComplaintFactory(status=ComplaintStatus.OPEN, customer=CustomerFactory(marketing_consent=True))
    ComplaintFactory(status=ComplaintStatus.RESOLVED, customer=CustomerFactory(marketing_consent=True))
    assert holds(make_campaign())["open_case"] == 1


def test_held_back_late_order(rules):
    old = timezone.now() - dt.timedelta(days=10)
    DeliveryFactory(sale=SaleFactory(ordered_at=old))  # promised 7 days ago, still in transit
    DeliveryFactory(sale=SaleFactory(ordered_at=old), delivered=True)
    DeliveryFactory(sale=SaleFactory(), status=DeliveryStatus.IN_TRANSIT)  # not due yet
    assert holds(make_campaign())["late_order"] == 1


def test_held_back_unsubscribed_from_offers(rules):
    offers, surveys = CustomerFactory(email="Ana@Example.es"), CustomerFactory()
    CustomerFactory()
    Suppression.objects.create(
        email="ana@example.es", category=Category.PROMOTIONAL, reason=SuppressionReason.UNSUBSCRIBED
    )
    Suppression.objects.create(
        email=surveys.email, category=Category.SURVEY, reason=SuppressionReason.UNSUBSCRIBED
    )
    assert holds(make_campaign())["unsubscribed"] == 1
    assert offers.pk


def test_held_back_contact_budget(rules):
    rules.frequency_cap, rules.frequency_period_days = 2, 7
    rules.save()
    full, half, old = CustomerFactory(), CustomerFactory(), CustomerFactory()
    now = timezone.now()
    for n, (person, days) in enumerate([(full, 1), (full, 2), (half, 1), (old, 8), (old, 9)]):
        Message.objects.create(
            kind=Kind.BIRTHDAY,
            category=Category.RELATIONSHIP,
            customer=person,
            dedupe_key=f"k{n}",
            state=State.SENT,
            planned_at=now,
            expires_at=now,
            sent_at=now - dt.timedelta(days=days),
        )
    Message.objects.create(
        kind=Kind.THANK_YOU,
        category=Category.TRANSACTIONAL,
        customer=half,
        dedupe_key="t",
        state=State.SENT,
        planned_at=now,
        expires_at=now,
        sent_at=now,
    )
    assert holds(make_campaign())["contact_budget"] == 1


def test_preview_runs_a_fixed_number_of_queries(rules, django_assert_num_queries):
    campaign = make_campaign(last_purchase_days=30, min_purchases=1, category="hogar")
    for _ in range(3):
        buyer(days_ago=40)
    with django_assert_num_queries(8) as few:
        preview = audience_preview(campaign)
    assert preview["size"] == 3
    for _ in range(30):
        buyer(days_ago=40)
    with django_assert_num_queries(len(few.captured_queries)):
        preview = audience_preview(campaign)
    assert preview["size"] == 33 and len(preview["sample"]) == 20

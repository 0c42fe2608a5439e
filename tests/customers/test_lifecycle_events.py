"""The stage follows what happens, as it happens: sales, survey answers, cases."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from customers import services
from customers.choices import LifecycleStage as Stage
from customers.models import Customer
from surveys.scanners import page_stamp
from surveys.services import answer_submit
from tests.surveys.conftest import FIREFOX, Surveyed, delivered_sale, sent_message

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def stage(customer) -> str:
    return Customer.objects.get(pk=customer.pk).lifecycle_stage


def buy(customer, n, days_ago, capture):
    with capture(execute=True):
        services.sale_record(
            external_id=f"L{customer.pk}-{n}",
            customer=customer,
            ordered_at=timezone.now() - dt.timedelta(days=days_ago),
            lines=[services.LineData(name="Taza", quantity=1, unit_price=Decimal("9.90"))],
        )


def answer(customer, score, capture):
    sale = delivered_sale(customer=customer)
    survey = Surveyed(sent_message(sale=sale))
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False), capture(execute=True):
        answer_submit(
            invitation=survey.invitation,
            score=score,
            user_agent=FIREFOX,
            page_stamp=page_stamp(
                survey.invitation.pk, served_at=(NOW - dt.timedelta(minutes=1)).timestamp()
            ),
        )


def test_each_sale_moves_the_stage_at_once(django_capture_on_commit_callbacks):
    customer, _ = services.customer_upsert(external_id="LC1", name="Lía", email="lia@example.com")
    buy(customer, 1, 30, django_capture_on_commit_callbacks)
    assert stage(customer) == Stage.NEW
    buy(customer, 2, 20, django_capture_on_commit_callbacks)
    assert stage(customer) == Stage.ACTIVE
    buy(customer, 3, 10, django_capture_on_commit_callbacks)
    assert stage(customer) == Stage.LOYAL


def test_a_detractor_and_a_promoter_no_longer_share_a_stage(django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    unhappy, happy = (
        services.customer_upsert(external_id=f"LC{n}", name=f"C {n}", email=f"lc{n}@example.com")[0]
        for n in (2, 3)
    )
    for customer in (unhappy, happy):
        for n in range(3):
            buy(customer, n, 40 + n, capture)
        assert stage(customer) == Stage.LOYAL
    answer(unhappy, 0, capture)
    answer(happy, 10, capture)
    assert stage(unhappy) == Stage.AT_RISK
    assert stage(happy) == Stage.LOYAL
    assert Customer.objects.get(pk=unhappy.pk).feeling == "unhappy"


def test_a_case_puts_the_customer_at_risk_until_it_is_resolved(django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    customer, _ = services.customer_upsert(external_id="LC4", name="Noa", email="noa@example.com")
    for n in range(2):
        buy(customer, n, 10 + n, capture)
    with capture(execute=True):
        case = services.complaint_open(customer=customer, reason="delivery_late")
    assert stage(customer) == Stage.AT_RISK
    with capture(execute=True):
        services.complaint_resolve(complaint=case, resolution_note="sent again")
    assert stage(customer) == Stage.ACTIVE
    with capture(execute=True):
        services.complaint_reopen(complaint=case, why="still broken")
    assert stage(customer) == Stage.AT_RISK


def test_an_older_answer_never_replaces_a_newer_feeling():
    customer, _ = services.customer_upsert(external_id="LC5", name="Ona", email="ona@example.com")
    assert services.customer_feeling_record(customer_id=customer.pk, feeling="happy", at=NOW)
    assert not services.customer_feeling_record(
        customer_id=customer.pk, feeling="unhappy", at=NOW - dt.timedelta(days=1)
    )
    assert Customer.objects.get(pk=customer.pk).feeling == "happy"


def test_a_sale_that_changes_hands_moves_both_stages(django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    giver, taker = (
        services.customer_upsert(external_id=f"MV{n}", name=f"M {n}", email=f"mv{n}@example.com")[0]
        for n in (1, 2)
    )
    for n in range(3):
        buy(giver, n, 10 + n, capture)
    buy(taker, 0, 15, capture)
    assert (stage(giver), stage(taker)) == (Stage.LOYAL, Stage.NEW)
    with capture(execute=True):  # the shop corrects who placed order 2
        services.sale_record(
            external_id=f"L{giver.pk}-2",
            customer=taker,
            ordered_at=timezone.now() - dt.timedelta(days=12),
            lines=[services.LineData(name="Taza", quantity=1, unit_price=Decimal("9.90"))],
        )
    assert (stage(giver), stage(taker)) == (Stage.ACTIVE, Stage.ACTIVE)


def test_a_corrected_order_time_moves_the_stage(django_capture_on_commit_callbacks):
    customer, _ = services.customer_upsert(external_id="MV3", name="M 3", email="mv3@example.com")
    buy(customer, 0, 200, django_capture_on_commit_callbacks)
    assert stage(customer) == Stage.AT_RISK  # 200 days without a purchase
    buy(customer, 0, 2, django_capture_on_commit_callbacks)  # the same order, its real date
    assert stage(customer) == Stage.NEW

"""Stuck parcels: a status that has not moved for N days opens a case and tells the customer."""

import datetime as dt
import json
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.business_calendar import shop_sla
from customers.choices import ComplaintSource, Reason, Severity
from customers.models import Complaint
from followups import dispatch
from followups.models import FollowupRules, Kind, Message, State, StuckParcel
from followups.stuck import stuck_parcels_sweep
from followups.tasks import stuck_parcels_sweep_task
from tests.followups.conftest import days

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=MADRID)


def parcel(shop, *, carrier="SEUR", status="in_transit", promised=dt.date(2026, 3, 14), **kw):
    """A sale shipped at NOON: its status last moved then."""
    with time_machine.travel(NOON, tick=False):
        return shop.sale(
            delivery={
                "carrier": carrier,
                "tracking_number": f"TRK-{shop.n}",
                "status": status,
                "promised_date": promised,
            },
            **kw,
        )


def sweep_at(moment, **kw):
    with time_machine.travel(moment, tick=False):
        return stuck_parcels_sweep(**kw)


def notices():
    return Message.objects.filter(kind=Kind.PARCEL_CHECK)


def test_a_parcel_unmoved_for_four_days_opens_one_case_with_carrier_and_tracking(shop):
    sale = parcel(shop)
    assert sweep_at(NOON + days(4) - dt.timedelta(minutes=1)) == 0
    assert not Complaint.objects.exists()
    assert sweep_at(NOON + days(4)) == 1
    case = Complaint.objects.get()
    assert (case.sale, case.customer, case.reason, case.severity, case.source) == (
        sale,
        sale.customer,
        Reason.DELIVERY_LATE,
        Severity.NORMAL,
        ComplaintSource.STUCK_PARCEL,
    )
    assert "SEUR" in case.description and sale.delivery.tracking_number in case.description
    assert sale.external_id in case.description
    assert sale.customer.timeline.filter(complaint=case).count() == 1
    notice = notices().get()
    assert (notice.state, notice.sale, notice.complaint, notice.planned_at) == (
        State.PLANNED,
        sale,
        case,
        NOON + days(4),
    )


def test_a_rerun_opens_nothing_more(shop):
    parcel(shop)
    assert sweep_at(NOON + days(4)) == 1
    assert sweep_at(NOON + days(4)) == 0
    assert sweep_at(NOON + days(6)) == 0
    assert Complaint.objects.count() == 1 and notices().count() == 1
    assert StuckParcel.objects.count() == 1


def test_a_status_change_starts_a_new_episode(shop):
    sale = parcel(shop)
    sweep_at(NOON + days(4))
    shop.resolve(Complaint.objects.get())
    with time_machine.travel(NOON + days(5), tick=False):
        shop.update_delivery(sale, status="delayed")
    assert sweep_at(NOON + days(8)) == 0  # moved three days ago: not stuck yet
    assert sweep_at(NOON + days(9)) == 1
    assert Complaint.objects.filter(source=ComplaintSource.STUCK_PARCEL).count() == 2
    assert notices().count() == 2
    assert sweep_at(NOON + days(9)) == 0


def test_a_sale_with_a_case_still_open_gets_no_second_case(shop):
    sale = parcel(shop)
    case = shop.open_case(sale.customer, sale)
    assert sweep_at(NOON + days(4)) == 1
    assert Complaint.objects.get() == case
    assert StuckParcel.objects.get().complaint == case
    assert notices().get().complaint == case


def test_days_can_be_set_per_carrier_whatever_the_spelling(shop, rules):
    rules.stuck_parcel_days_by_carrier = {"Correos Express": 2, "GLS": 7}
    rules.save()
    express = parcel(shop, carrier=" correos express")
    gls = parcel(shop, carrier="GLS")
    seur = parcel(shop, carrier="SEUR")
    assert sweep_at(NOON + days(2)) == 1
    assert Complaint.objects.get().sale == express
    assert sweep_at(NOON + days(4)) == 1
    assert Complaint.objects.latest("pk").sale == seur
    assert sweep_at(NOON + days(7)) == 1
    assert Complaint.objects.latest("pk").sale == gls


def test_the_default_days_come_from_the_rules(shop, rules):
    rules.stuck_parcel_days = 6
    rules.save()
    parcel(shop)
    assert sweep_at(NOON + days(5)) == 0
    assert sweep_at(NOON + days(6)) == 1


def test_only_open_parcels_promised_lately_are_swept(shop):
    parcel(shop, status="delivered")
    parcel(shop, status="returned")
    parcel(shop, status="failed")
    # ordered and promised two months before, never moved since: stale data, not news
    parcel(shop, promised=dt.date(2026, 1, 2), ordered_at=NOON - days(70))
    waiting = parcel(shop, status="pending", promised=None)
    assert sweep_at(NOON + days(4)) == 1
    assert Complaint.objects.get().sale == waiting


def test_a_parcel_that_moved_lately_is_not_stuck(shop):
    sale = parcel(shop)
    with time_machine.travel(NOON + days(3), tick=False):
        shop.update_delivery(sale, status="delayed")
    assert sweep_at(NOON + days(4)) == 0
    assert sweep_at(NOON + days(7)) == 1


def test_the_notice_can_be_switched_off_and_the_case_still_opens(shop, rules):
    rules.stuck_parcel_notice_enabled = False
    rules.save()
    parcel(shop)
    assert sweep_at(NOON + days(4)) == 1
    assert Complaint.objects.count() == 1 and not notices().exists()


def test_a_waiting_notice_is_cancelled_once_the_parcel_moves(shop, rules):
    rules.quiet_hours_start, rules.quiet_hours_end = 0, 23  # nothing goes out meanwhile
    rules.save()
    sale = parcel(shop)
    other = parcel(shop)
    sweep_at(NOON + days(4))
    with time_machine.travel(NOON + days(4) + dt.timedelta(hours=1), tick=False):
        shop.update_delivery(sale, status="delivered")
    sweep_at(NOON + days(4) + dt.timedelta(hours=2))
    assert notices().get(sale=sale).state == State.CANCELLED
    assert notices().get(sale=other).state == State.PLANNED


def test_the_sweep_spends_the_same_queries_on_few_or_many_parcels(shop):
    for _ in range(3):
        parcel(shop)
    shop_sla()  # the shop's calendar is cached: warm it, so both runs read it alike
    with CaptureQueriesContext(connection) as few:
        assert sweep_at(NOON + days(4)) == 3
    for _ in range(30):
        parcel(shop)
    with CaptureQueriesContext(connection) as many:
        assert sweep_at(NOON + days(4)) == 30
    assert len(many) == len(few)


def test_batches_cost_a_fixed_number_of_queries_each(shop):
    for _ in range(25):
        parcel(shop)
    with CaptureQueriesContext(connection) as one_batch:
        assert sweep_at(NOON + days(4), batch=100) == 25
    Complaint.objects.all().delete()
    StuckParcel.objects.all().delete()
    Message.objects.all().delete()
    with CaptureQueriesContext(connection) as three_batches:
        assert sweep_at(NOON + days(4), batch=10) == 25
    per_batch = (len(three_batches) - len(one_batch)) / 2
    assert per_batch == int(per_batch) and 0 < per_batch <= 10
    assert Complaint.objects.count() == 25


@pytest.mark.parametrize(
    ("language", "subject", "text", "html"),
    [
        (
            "es",
            "Estamos revisando el envío de tu pedido",
            "ya lo estamos consultando con la empresa",
            "Ver el estado de mi pedido",
        ),
        (
            "en",
            "We are checking on the parcel of your order",
            "we are already checking with the carrier",
            "See my order's status",
        ),
    ],
)
def test_the_notice_is_sent_in_the_customers_language(shop, outbox_mail, language, subject, text, html):
    customer = shop.customer(name="Ana Pérez", language=language)
    sale = parcel(shop, customer=customer)
    sweep_at(NOON + days(4))
    with time_machine.travel(NOON + days(4), tick=False):
        dispatch.dispatch_due()
    (mail,) = [m for m in outbox_mail if m.tags == [Kind.PARCEL_CHECK]]
    assert mail.subject == f"{subject} {sale.external_id}"
    body, (html_body, _mime) = mail.body, mail.alternatives[0]
    for part in (body, html_body):
        assert "Ana" in part and "SEUR" in part and sale.delivery.tracking_number in part
    assert text in body and text in html_body and html in html_body
    assert notices().get().state == State.SENT


def test_the_beat_runs_the_sweep_hourly(shop):
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "followups.tasks.stuck_parcels_sweep_task"
    )
    assert entry["schedule"] == 3600.0
    parcel(shop)
    with time_machine.travel(NOON + days(4), tick=False):
        assert stuck_parcels_sweep_task.delay().get() == 1


def rules_post(**changes):
    data = {
        "thank_you_enabled": "on",
        "thank_you_delay_minutes": 60,
        "usage_tips_days": 7,
        "survey_days": 5,
        "survey_days_by_category": "{}",
        "case_survey_delay_hours": 24,
        "birthday_hour": 9,
        "frequency_cap": 3,
        "frequency_period_days": 7,
        "min_gap_minutes": 30,
        "survey_fatigue_days": 30,
        "quiet_hours_start": 21,
        "quiet_hours_end": 9,
        "soft_bounce_limit": 3,
        "stuck_parcel_days": 4,
        "stuck_parcel_days_by_carrier": "{}",
        "stuck_parcel_notice_enabled": "on",
    }
    data.update(changes)
    return data


def test_managers_set_the_stuck_rules_on_the_rules_page(manager_client):
    page = manager_client.get("/followups/rules/").content.decode()
    assert "stuck_parcel_days_by_carrier" in page
    response = manager_client.post(
        "/followups/rules/",
        rules_post(
            stuck_parcel_days=5,
            stuck_parcel_days_by_carrier=json.dumps({" SEUR ": 3}),
            stuck_parcel_notice_enabled="",
        ),
    )
    assert response.status_code == 302
    rules = FollowupRules.current()
    assert (
        rules.stuck_parcel_days,
        rules.stuck_parcel_days_by_carrier,
        rules.stuck_parcel_notice_enabled,
    ) == (5, {"SEUR": 3}, False)


@pytest.mark.parametrize(
    "changes",
    [
        {"stuck_parcel_days_by_carrier": '{"SEUR": 0}'},
        {"stuck_parcel_days_by_carrier": '{"SEUR": "3"}'},
        {"stuck_parcel_days_by_carrier": '{"SEUR": 3, "seur": 4}'},
        {"stuck_parcel_days_by_carrier": '["SEUR"]'},
        {"stuck_parcel_days_by_carrier": '{"": 3}'},
        {"stuck_parcel_days_by_carrier": "{nope"},
        {"stuck_parcel_days": 0},
        {"stuck_parcel_days": 400},
    ],
)
def test_bad_stuck_rules_are_refused_with_a_message(manager_client, changes):
    response = manager_client.post("/followups/rules/", rules_post(**changes))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == set(changes)
    assert FollowupRules.current().stuck_parcel_days_by_carrier == {}


def test_managers_can_edit_the_notice_like_any_other_mail(manager_client):
    assert "parcel_check" in manager_client.get("/followups/templates/").content.decode()
    page = manager_client.get("/followups/templates/parcel_check/en/")
    assert page.status_code == 200
    assert "we are already checking with the carrier" in page.context["form"]["text_body"].value()

"""The rules page refuses values that would break planning, and planning survives a row that
already holds them."""

import datetime as dt
import logging

import pytest
import time_machine
from django.forms.models import model_to_dict
from django.utils import timezone

from followups.forms import FollowupRulesForm
from followups.models import FollowupRules, Kind, Message
from followups.planner import plan_for_deliveries, plan_thank_yous

URL = "/followups/rules/"
NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def posted(**changes):
    """The rules form as a browser posts it: the current values, with some changed."""
    values = {
        name: value
        for name, value in model_to_dict(FollowupRules.current()).items()
        if name in FollowupRulesForm.Meta.fields
    }
    values["survey_days_by_category"] = "{}"
    values.update(changes)
    return {name: value for name, value in values.items() if value is not False}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("thank_you_delay_minutes", 99999999999999),
        ("thank_you_delay_minutes", 10081),
        ("usage_tips_days", 2147483647),
        ("survey_days", 366),
        ("case_survey_delay_hours", 721),
        ("frequency_cap", 101),
        ("frequency_period_days", 0),
        ("survey_fatigue_days", 366),
        ("soft_bounce_limit", 0),
        ("quiet_hours_start", 24),
        ("birthday_hour", 25),
    ],
)
def test_the_rules_page_refuses_a_value_out_of_bounds_with_its_range(manager_client, field, value):
    response = manager_client.post(URL, posted(**{field: value}), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    (error,) = response.context["form"].errors[field]
    assert error.startswith("Use a whole number from ")
    assert getattr(FollowupRules.current(), field) != value


def test_a_cap_over_zero_days_is_refused(manager_client):
    response = manager_client.post(URL, posted(frequency_cap=0, frequency_period_days=0))
    assert set(response.context["form"].errors) == {"frequency_period_days"}


@pytest.mark.parametrize(
    "by_category",
    ['{"food": 400}', '{"food": -1}', '{"food": true}', '{"food": "5"}', "[5]", '{"food": 2.5}'],
)
def test_survey_days_per_category_are_whole_days_within_a_year(manager_client, by_category):
    response = manager_client.post(URL, posted(survey_days_by_category=by_category))
    assert response.status_code == 200 and response.context["form"].errors["survey_days_by_category"]


def test_a_birthday_hour_within_quiet_hours_is_refused(manager_client):
    response = manager_client.post(
        URL, posted(quiet_hours_start=21, quiet_hours_end=9, birthday_hour=7), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "within the quiet hours" in response.context["form"].errors["birthday_hour"][0]


def test_values_at_the_bounds_are_saved(manager_client):
    response = manager_client.post(
        URL,
        posted(
            thank_you_delay_minutes=10080,
            usage_tips_days=365,
            survey_days=0,
            frequency_cap=100,
            frequency_period_days=365,
            survey_days_by_category='{"food": 365, "hogar": 0}',
            quiet_hours_start=0,
            quiet_hours_end=0,
            birthday_hour=23,
        ),
    )
    assert response.status_code == 302
    rules = FollowupRules.current()
    assert (rules.thank_you_delay_minutes, rules.usage_tips_days) == (10080, 365)
    assert rules.survey_days_by_category == {"food": 365, "hogar": 0}


def test_the_page_shows_each_range_and_the_browser_bounds(manager_client):
    page = manager_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "From 0 to 10080 (7 days)." in page and 'max="10080"' in page
    assert "0 turns the cap off" in page and "no quiet hours" in page
    spanish = manager_client.get(URL, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "De 0 a 10080 (7 días)." in spanish


def out_of_bounds(**values):
    """A row as saved before the bounds existed (the ORM's update skips validation)."""
    FollowupRules.current()
    FollowupRules.objects.filter(pk=1).update(**values)


@time_machine.travel(NOON, tick=False)
def test_planning_reads_an_out_of_bounds_delay_as_the_bound(shop, caplog):
    out_of_bounds(thank_you_delay_minutes=2147483647)
    now = timezone.now()
    sale = shop.sale(ordered_at=now)
    with caplog.at_level(logging.WARNING, logger="followups.models"):
        plan_thank_yous([sale.pk], now=now)
    message = Message.objects.get(kind=Kind.THANK_YOU)
    assert message.planned_at == sale.ordered_at + dt.timedelta(days=7)
    assert "thank_you_delay_minutes=2147483647 is out of bounds, read as 10080" in caplog.text


@time_machine.travel(NOON, tick=False)
def test_tips_and_surveys_are_planned_despite_out_of_bounds_days(shop):
    out_of_bounds(usage_tips_days=2147483647, survey_days_by_category={"hogar": 10**12})
    now = timezone.now()
    sale = shop.sale(delivery={"promised_date": timezone.localdate()})
    shop.update_delivery(sale, status="delivered", delivered_at=now)
    Message.objects.filter(kind__in=[Kind.USAGE_TIPS, Kind.SURVEY]).delete()
    assert plan_for_deliveries([sale.delivery.pk], now=now) == 2
    planned = dict(Message.objects.values_list("kind", "planned_at"))
    assert planned[Kind.USAGE_TIPS] == now + dt.timedelta(days=365)
    assert planned[Kind.SURVEY] == now + dt.timedelta(days=365)

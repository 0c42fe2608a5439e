"""The rollups give the live numbers: on a randomized shop (reports.sample, several seeds), every
metric read from the rollups equals the same metric computed from the shop's tables, for a
weekly and a monthly period, their previous periods, each filter and both together; and a page
read from the rollups asks the same number of queries at two sizes of shop."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Sale
from reports import metrics, rollups, sample
from reports.metrics import Scope
from reports.rollup_models import CohortDay, CustomerRfm, DeliveryDay, MessageDay, RfmAsOf, RollupState
from tests.reports.dashboard.conftest import TODAY, answer, case, sale

pytestmark = pytest.mark.django_db

SCOPES = [
    Scope(dt.date(2026, 3, 1), dt.date(2026, 4, 1)),  # a month, drawn week by week
    Scope(dt.date(2025, 10, 17), dt.date(2026, 4, 16)),  # half a year to "today", by month
    Scope(dt.date(2026, 2, 10), dt.date(2026, 3, 12)),  # ends mid-month: a partial cohort month
]
FILTERS = [("", ""), ("online", ""), ("", "hogar"), ("store", "electronica")]


def numbers(scope: Scope) -> dict:
    """Every metric the pages, CSV and API read (cases are live either way)."""
    impact = metrics.lateness_impact(scope)
    return {
        "nps": metrics.nps(scope),
        "csat": metrics.csat(scope),
        "ces": metrics.ces(scope),
        "response_rate": metrics.response_rate(scope),
        "nps_trend": metrics.nps_trend(scope),
        "csat_trend": metrics.csat_trend(scope),
        "ces_trend": metrics.ces_trend(scope),
        "response_trend": metrics.response_rate_trend(scope),
        "repeat": metrics.repeat_purchase_rate(scope),
        "repeat_trend": metrics.repeat_purchase_trend(scope),
        "cohorts": metrics.cohort_retention(scope).cohorts,
        "cohort_value": metrics.cohort_retention(scope).value,
        "rfm": metrics.rfm_segments(scope).segments,
        "rfm_champions": metrics.rfm_customer_ids(scope, "champions"),
        "rfm_lost": metrics.rfm_customer_ids(scope, "lost"),
        "on_time": metrics.on_time_rate(scope),
        "late_notified": metrics.late_notified_rate(scope),
        "late_by_reason": sorted((r.key, r.count) for r in metrics.late_by_reason(scope)),
        "late_by_carrier": metrics.late_by_carrier(scope),
        "impact": (
            impact.on_time,
            impact.late,
            impact.notified,
            impact.not_notified,
            sorted(impact.by_reason, key=lambda i: i.key),
            impact.by_carrier,
        ),
        "funnel": metrics.message_funnel(scope),
        "stages": metrics.customers_by_stage(),
        "recovery": metrics.detractor_recovery(scope),
    }


def live_numbers(scope: Scope) -> dict:
    with rollups.live():
        return numbers(scope)


@pytest.fixture(params=[7, 2026], ids=["seed7", "seed2026"])
def shop(request):
    """A few hundred random sales, deliveries (some late, some notified), mails with their
    events, answers and cases; plus rows the sample lacks: an answer to a case survey (its sale
    through the case) and a message with no sale."""
    sample.generate(customers=70, sales=260, seed=request.param, now=timezone.make_aware(TODAY))
    buyer = sale(channel="store", category="electronica", day=dt.date(2026, 3, 3))
    answer(
        None,
        "csat",
        2,
        day=dt.date(2026, 3, 20),
        ces=5,
        complaint=case(buyer.customer, opened=TODAY.replace(month=3, tzinfo=dt.UTC), sale=buyer),
    )
    # RFM kept as of the previous periods' ends (the current ones end after the last sale or
    # are live), as beat keeps it for the presets'.
    return rollups.rebuild(rfm_as_of=[s.start for s in SCOPES])


@pytest.mark.parametrize("scope", SCOPES, ids=["march", "half-year", "mid-month"])
@pytest.mark.parametrize("channel,category", FILTERS)
def test_rollup_numbers_equal_the_live_ones(shop, scope, channel, category):
    scope = Scope(scope.start, scope.end, channel, category)
    for each in (scope, scope.previous()):
        rolled, live = numbers(each), live_numbers(each)
        for name, value in live.items():
            assert rolled[name] == value, (name, each)


def test_the_previous_periods_rfm_is_read_from_the_rollup_not_the_sales(shop):
    scope = Scope(dt.date(2026, 3, 1), dt.date(2026, 4, 1), "online").previous()
    assert rollups.rfm_as_of_days(dt.date(2026, 12, 1)) == [
        dt.date(2025, 12, 2),
        dt.date(2026, 9, 3),
        dt.date(2026, 11, 2),
        dt.date(2026, 11, 25),
    ]  # the presets' previous periods end there: tomorrow minus 365, 90, 30 and 7 days
    assert scope.end.isoformat() in shop.rfm_as_of
    with CaptureQueriesContext(connection) as queries:
        rolled = metrics.rfm_segments(scope)
    assert not any("customers_sale" in q["sql"] for q in queries.captured_queries)
    with rollups.live():
        assert rolled == metrics.rfm_segments(scope) and rolled.count > 0
    other = Scope(dt.date(2026, 1, 5), dt.date(2026, 2, 5))  # a day nobody kept: live
    with CaptureQueriesContext(connection) as queries:
        metrics.rfm_segments(other)
    assert any("customers_sale" in q["sql"] for q in queries.captured_queries)


def test_rfm_as_of_a_day_is_kept_across_rebuilds_until_a_sale_before_it_changes(shop):
    days = [s.start for s in SCOPES]
    scope = Scope(dt.date(2026, 3, 1), dt.date(2026, 4, 1)).previous()

    def inserts() -> int:
        with CaptureQueriesContext(connection) as queries:
            rollups.rebuild(rfm_as_of=days)
        return sum(
            "INSERT INTO" in q["sql"] and "reports_rfmasof" in q["sql"] for q in queries.captured_queries
        )

    assert inserts() == 0  # nothing changed before those days: kept
    sale(day=dt.date(2026, 1, 20), total="900.00")  # a back-dated order, before two of the days
    assert inserts() == 1  # one statement recomputes the changed days
    state = rollups.state()
    assert set(state.rfm_as_of) == {d.isoformat() for d in days}
    with rollups.pinned():
        rolled = metrics.rfm_segments(scope)
    with rollups.live():
        assert rolled == metrics.rfm_segments(scope)
    rollups.rebuild(rfm_as_of=days[:1])  # a day no longer wanted is dropped
    assert set(RfmAsOf.objects.values_list("as_of", flat=True).distinct()) == {days[0]}


def test_the_fixture_exercises_every_rollup(shop):
    live = live_numbers(SCOPES[1])
    assert live["nps"].responses > 5 and live["csat"].responses > 3 and live["ces"].responses > 0
    assert live["on_time"].whole > 10 and live["late_notified"].part > 0
    assert live["recovery"].recovered.whole > 0 and live["recovery"].repeat.whole > 0
    assert live["late_notified"].part < live["late_notified"].whole
    assert any(c.retained[1] for c in live["cohorts"])
    assert sum(s.customers for s in live["rfm"]) == Sale.objects.values("customer").distinct().count()
    assert live["funnel"][-1].steps["opened"] > 0 and live["funnel"][-1].steps["suppressed"] > 0
    for model in (CohortDay, CustomerRfm, DeliveryDay, MessageDay):
        assert model.objects.filter(category="hogar").exists()


def test_a_new_sale_shows_after_the_next_rebuild_and_the_page_says_as_of(shop, manager_client):
    url = "/reports/purchases/?start=2026-03-01&end=2026-04-01"
    march = Scope(dt.date(2026, 3, 1), dt.date(2026, 4, 1))
    before = metrics.repeat_purchase_rate(march), metrics.cohort_retention(march).count
    sale(day=dt.date(2026, 3, 20))
    assert metrics.cohort_retention(march).count == before[1]  # as of the last rebuild
    rollups.rebuild()
    assert metrics.cohort_retention(march).count == before[1] + 1
    assert RollupState.objects.get().built_at == timezone.make_aware(TODAY)
    page = manager_client.get(url).content.decode()
    assert "15 de abril de 2026" in page


def test_without_a_rebuild_the_metrics_compute_live():
    sale(day=dt.date(2026, 3, 10))
    assert rollups.usable() is None
    assert metrics.cohort_retention(Scope(dt.date(2026, 3, 1), dt.date(2026, 4, 1))).count == 1


PAGES = [
    "/reports/",
    "/reports/satisfaction/",
    "/reports/purchases/",
    "/reports/delivery/",
    "/reports/messages/",
    "/api/v1/metrics/?start=2026-03-01&end=2026-04-01",
    "/reports/export/headline.csv",
]


def test_pages_ask_the_same_number_of_queries_at_two_sizes(manager_client):
    def counts():
        rollups.rebuild()
        out = {}
        for url in PAGES:
            manager_client.get(url)  # warm: the filter form keeps its category list in the cache
            with CaptureQueriesContext(connection) as queries:
                response = manager_client.get(url)
                b"".join(getattr(response, "streaming_content", [response.content]))
            assert response.status_code == 200, url
            out[url] = len(queries)
        return out

    now = timezone.make_aware(TODAY)
    sample.generate(customers=20, sales=60, seed=1, now=now)
    small = counts()
    sample.generate(customers=200, sales=700, seed=2, now=now)
    assert counts() == small


def test_the_command_and_beat_rebuild_and_two_runs_do_not_overlap(settings):
    from django.core.cache import cache
    from django.core.management import call_command

    from reports.tasks import rebuild_rollups_task

    sale(day=dt.date(2026, 3, 10))
    call_command("rebuild_rollups", stdout=io.StringIO())
    assert RollupState.objects.get().last_sale_at == Sale.objects.get().ordered_at
    assert CohortDay.objects.filter(channel="", category="").count() == 1
    assert rebuild_rollups_task() is not None
    assert "reports.tasks.rebuild_rollups_task" in {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    cache.add("reports:rollups:running", 1, timeout=60)  # another worker is rebuilding
    try:
        assert rebuild_rollups_task() is None
    finally:
        cache.delete("reports:rollups:running")

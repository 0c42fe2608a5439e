"""The pages, the CSV exports and the API show the same numbers as the metrics computed by hand,
for the period, its previous period and each filter."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.reports.dashboard.conftest import answer, d, delivery, sale

pytestmark = pytest.mark.django_db
MARCH_ONLINE = "start=2026-03-01&end=2026-04-01&channel=online"
PAGES = [
    "/reports/",
    "/reports/satisfaction/",
    "/reports/purchases/",
    "/reports/delivery/",
    "/reports/cases/",
    "/reports/messages/",
]


@pytest.fixture
def shop():
    """As in test_metrics_satisfaction: online NPS 20 (5 promoters, 2 passives, 3 detractors),
    store NPS −100, and February's one promoter."""
    for score in [10, 10, 9, 9, 9, 8, 7, 6, 3, 0]:
        answer(sale(channel="online"), "nps", score)
    for _ in range(2):
        answer(sale(channel="store", category="libros"), "nps", 0)
    answer(sale(day=d(2, 10)), "nps", 10, day=d(2, 15))
    answer(sale(), "csat", 1, comment='=HYPERLINK("http://x")', day=d(3, 20))
    delivery(sale(day=d(3, 1)), promised=d(3, 5), delivered=d(3, 9), reason="weather")


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def tile_value(html: str, metric: str) -> str:
    match = re.search(rf'data-metric="{metric}".*?<span class="figure" data-value>([^<]*)<', html, re.S)
    return match.group(1).strip()


def test_page_csv_and_api_agree_with_the_hand_computed_nps(manager_client, shop):
    page = manager_client.get(f"/reports/?{MARCH_ONLINE}").content.decode()
    assert tile_value(page, "nps") == "20"  # 50 % promoters − 30 % detractors
    assert "100" in re.search(r'data-metric="nps".*?</a>', page, re.S).group(0)  # February: 100
    csv_rows = rows_of(manager_client.get(f"/reports/export/headline.csv?{MARCH_ONLINE}"))
    rows = {row[0]: row for row in csv_rows}
    assert rows["NPS"][1:] == ["20.0", "100.0", "-80.0", "10"]
    body = manager_client.get(f"/api/v1/metrics/?{MARCH_ONLINE}").json()
    assert body["nps"] == {
        "value": 20.0,
        "count": 10,
        "previous": 100.0,
        "low": -34.0,
        "high": 74.0,
        "promoters": 5,
        "passives": 2,
        "detractors": 3,
    }
    assert body["csat"]["value"] == 0.0 and body["csat"]["count"] == 1


@pytest.mark.parametrize(
    ("query", "nps", "answers"),
    [
        ("start=2026-03-01&end=2026-04-01", "0.0", "12"),
        ("start=2026-03-01&end=2026-04-01&channel=store", "-100.0", "2"),
        ("start=2026-03-01&end=2026-04-01&category=libros", "-100.0", "2"),
        ("start=2026-02-01&end=2026-03-01", "100.0", "1"),
    ],
)
def test_each_filter_and_period_changes_the_numbers_alike(manager_client, shop, query, nps, answers):
    row = {r[0]: r for r in rows_of(manager_client.get(f"/reports/export/headline.csv?{query}"))}["NPS"]
    assert (row[1], row[4]) == (nps, answers)
    api = manager_client.get(f"/api/v1/metrics/?{query}").json()["nps"]
    assert (api["value"], api["count"]) == (float(nps), int(answers))
    trend = rows_of(manager_client.get(f"/reports/export/nps_trend.csv?{query}"))
    assert sum(int(r[1]) for r in trend[1:]) == int(answers)


def test_every_page_answers_a_manager_and_no_one_else(manager, support, shop):
    from django.test import Client

    manager_client, support_client, client = Client(), Client(), Client()
    manager_client.force_login(manager)
    support_client.force_login(support)
    for url in PAGES + ["/reports/purchases/segment/champions/"]:
        assert manager_client.get(f"{url}?{MARCH_ONLINE}").status_code == 200, url
        assert support_client.get(url).status_code == 403, url
        assert client.get(url).status_code == 302, url
    assert support_client.get("/reports/export/headline.csv").status_code == 403
    assert support_client.get("/api/v1/metrics/").status_code == 403


def test_pages_hold_no_script_and_load_nothing_from_elsewhere(manager_client, shop):
    for url in PAGES:
        html = manager_client.get(f"{url}?{MARCH_ONLINE}").content.decode()
        main = html[html.index("<main") :]
        assert "<script" not in main and " style=" not in main and " on" + "click=" not in main
        assert not re.findall(r'(?:src|href)="https?://', html), url
        assert "<svg" in main or url == "/reports/messages/" or "Nothing" in main


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(manager_client, shop):
    rows = rows_of(manager_client.get(f"/reports/export/comments.csv?{MARCH_ONLINE}"))
    assert rows[1][-1] == '\'=HYPERLINK("http://x")'
    trend = rows_of(manager_client.get("/reports/export/headline.csv?start=2026-03-01&end=2026-04-01"))
    assert any(cell.startswith("-") for row in trend for cell in row[1:])  # numbers stay numbers


def test_bad_periods_are_a_form_error_or_a_400(manager_client):
    page = manager_client.get("/reports/?start=2026-04-01&end=2026-03-01")
    assert page.status_code == 200 and 'role="alert"' in page.content.decode()
    backwards = "start=2026-04-01&end=2026-03-01"
    assert manager_client.get(f"/reports/export/headline.csv?{backwards}").status_code == 400
    assert manager_client.get("/reports/export/headline.csv?start=nonsense").status_code == 400
    assert manager_client.get("/api/v1/metrics/?start=2026-04-01&end=2026-03-01").status_code == 400
    assert manager_client.get("/api/v1/metrics/?channel=fax").status_code == 400
    assert manager_client.get("/reports/export/nothing.csv").status_code == 404
    assert manager_client.get("/reports/purchases/segment/nobody/").status_code == 404


def test_rfm_segment_link_lists_its_customers(manager_client, shop):
    page = manager_client.get(f"/reports/purchases/?{MARCH_ONLINE}").content.decode()
    assert f'href="segment/champions/?{MARCH_ONLINE}"' in page.replace("&amp;", "&")


@pytest.mark.parametrize("url", PAGES)
def test_each_page_runs_a_fixed_number_of_queries(manager_client, url):
    def grow(n):
        for _ in range(n):
            order = sale(channel="online")
            answer(order, "nps", 9, comment="ok")
            delivery(order, promised=d(3, 12), delivered=d(3, 14), reason="stock")

    grow(2)
    manager_client.get(url)  # the category list is cached after the first page
    with CaptureQueriesContext(connection) as small:
        manager_client.get(f"{url}?{MARCH_ONLINE}&category=hogar")
    grow(8)
    with CaptureQueriesContext(connection) as large:
        manager_client.get(f"{url}?{MARCH_ONLINE}&category=hogar")
    assert len(large) == len(small)


def test_every_formula_on_the_pages_is_its_docstring_and_has_spanish():
    from django.utils import translation

    from reports import metrics
    from reports.metrics.payload import HEADLINE
    from reports.pages import _formula

    shown = set(HEADLINE.values()) | {metrics.rfm_segments, metrics.lateness_impact, metrics.message_funnel}
    for fn in shown:
        with translation.override("en"):
            english = _formula(fn)
        with translation.override("es"):
            spanish = _formula(fn)
        assert english and english in " ".join(fn.__doc__.split()), fn.__name__
        assert spanish != english, f"{fn.__name__}: docstring changed, translate its first paragraph"

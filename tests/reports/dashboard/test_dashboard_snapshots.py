"""Snapshots: a page's numbers are kept for a few minutes, shown with their time, and beat
recomputes the preset periods."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.snapshots import refresh_presets
from tests.reports.dashboard.conftest import answer, sale

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def kept(settings):
    settings.REPORTS_SNAPSHOT_SECONDS = 600


def test_a_second_view_reuses_the_numbers_and_says_as_of_when(manager_client):
    answer(sale(), "nps", 10)
    url = "/reports/?start=2026-03-01&end=2026-04-01"
    with CaptureQueriesContext(connection) as first:
        page = manager_client.get(url).content.decode()
    with CaptureQueriesContext(connection) as second:
        manager_client.get(url)
    assert len(second) < len(first) - 20
    assert "15 de abril de 2026" in page  # as of "today" (frozen), in Spanish


def test_beat_refreshes_every_page_of_each_preset_period_in_both_languages(manager_client):
    assert refresh_presets() == 2 * 4 * 6
    with CaptureQueriesContext(connection) as queries:
        assert manager_client.get("/reports/delivery/").status_code == 200  # the default 30 days
    assert len(queries) < 10

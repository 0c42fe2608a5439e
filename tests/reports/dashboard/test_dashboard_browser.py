"""A manager opens the dashboard in a real browser, changes the period and a filter, and sees the
numbers change."""

import datetime as dt
import os

import pytest
from django.utils import timezone

from tests.reports.dashboard.conftest import answer, sale


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_manager_changes_the_period_and_a_filter_and_sees_the_numbers_change(site):
    from tests.browser import chromium_page
    from tests.conftest import make_staff

    make_staff("marta", "Manager")
    for _ in range(3):
        answer(sale(day=days_ago(10), channel="online"), "nps", 10, day=days_ago(5))
    for _ in range(2):
        answer(sale(day=days_ago(10), channel="store"), "nps", 0, day=days_ago(5))
    for _ in range(5):
        answer(sale(day=days_ago(70), channel="online"), "nps", 3, day=days_ago(60))
    shots = os.environ.get("SHOTS_DIR")
    with chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{site}/accounts/login/?next=/reports/")
        page.fill('input[name="username"]', "marta")
        page.fill('input[name="password"]', "pw-marta")
        page.click('button[type="submit"]')
        page.wait_for_url(f"{site}/reports/")
        nps = page.locator('[data-metric="nps"] [data-value]')
        last_30 = nps.inner_text()
        if shots:
            page.screenshot(path=f"{shots}/dashboard-30-days.png", full_page=True)
        page.click(".presets a:nth-child(3)")  # last 90 days
        page.wait_for_load_state()
        last_90 = nps.inner_text()
        page.select_option("#id_channel", "store")
        page.click("#scope button[type=submit]")
        page.wait_for_load_state()
        store = nps.inner_text()
        if shots:
            page.screenshot(path=f"{shots}/dashboard-90-days-store.png", full_page=True)
        csv_link = page.locator("a.csv").first.get_attribute("href")
    assert (last_30, last_90, store) == ("20", "-40", "-100")  # (3−2)/5, (3−7)/10, (0−2)/2
    assert "channel=store" in csv_link

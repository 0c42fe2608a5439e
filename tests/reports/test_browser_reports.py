"""The at-risk report and the customer page's prediction in a real browser (headless Chromium)."""

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest

from reports.models import CustomerPrediction
from reports.predictions import purchase_model_refit
from tests.browser import chromium_page
from tests.conftest import make_staff
from tests.reports.histories import every, histories_load, simulated_population

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AS_OF = dt.date(2026, 6, 30)
SHOTS = Path(os.environ.get("SCREENSHOTS", "/tmp/model-shots"))


def test_a_manager_reads_the_at_risk_report_sorts_it_and_opens_a_customer(site):
    histories = simulated_population(560, start=dt.date(2024, 7, 1), end=AS_OF)
    histories["STOPPED"] = every(5, first=AS_OF - dt.timedelta(weeks=71), times=11, amount="80.00")
    histories["NEWCOMER"] = [(AS_OF - dt.timedelta(days=6), Decimal("35.00"))]
    customers = histories_load(histories)
    purchase_model_refit(as_of=AS_OF - dt.timedelta(weeks=2))
    purchase_model_refit(as_of=AS_OF)
    make_staff("marta", "Manager")
    lowest = (
        CustomerPrediction.objects.filter(at_risk=True)
        .order_by("p_alive", "customer_id")
        .values_list("customer__name", flat=True)
        .first()
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    with chromium_page() as page:
        page.goto(f"{site}/accounts/login/")
        page.fill("input[name=username]", "marta")
        page.fill("input[name=password]", "pw-marta")
        page.click("button[type=submit]")
        page.goto(f"{site}/reports/at-risk/")
        assert page.locator("svg rect").count() == 20
        page.screenshot(path=str(SHOTS / "at-risk.png"), full_page=True)
        page.click("#at-risk thead a:has-text('P(alive)')")
        assert page.inner_text("#at-risk tbody tr:first-child td:first-child") == lowest
        page.goto(f"{site}/customers/{customers['STOPPED'].pk}/")
        assert "Bought every 5 weeks" in page.inner_text("#prediction")
        assert page.locator("#prediction polyline").count() == 1
        page.locator("#prediction").screenshot(path=str(SHOTS / "customer-prediction.png"))

"""Headless Chromium through Playwright, for tests that need a real browser (marker `browser`)."""

from contextlib import contextmanager
from pathlib import Path

from tests.services import missing

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium_page(**options):
    """A fresh headless Chromium page (options for new_page: user_agent, java_script_enabled...).
    Keep ORM calls outside the block: while Playwright's sync API runs, Django would open a
    second database connection that outlives the test."""
    if not Path(CHROMIUM).exists():
        missing(f"Chromium is not installed at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield chromium.new_page(**options)
        finally:
            chromium.close()

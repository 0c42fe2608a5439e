"""PNGs of the retention dashboard, as a manager sees it, in Spanish and English.

    DEBUG=true .venv/bin/python manage.py dashboard_screenshots --out var/screenshots

Serves the app from this process on a free local port, signs in as the demo manager
(`seed_demo` creates it; `dashboard_sample` gives the pages something to show) and drives
/usr/bin/chromium through Playwright.
"""

import threading
from pathlib import Path

from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management.base import BaseCommand, CommandError
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application

from accounts.demo import DEMO_USERS, demo_users_ensure

CHROMIUM = "/usr/bin/chromium"
PAGES = ["", "satisfaction/", "purchases/", "delivery/", "cases/", "messages/"]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class Command(BaseCommand):
    help = "Write PNG screenshots of the dashboard's pages (es and en) using headless Chromium."

    def add_arguments(self, parser):
        parser.add_argument("--out", default="var/screenshots")
        parser.add_argument("--query", default="", help="period and filters, e.g. start=…&end=…")
        parser.add_argument("--width", type=int, default=1280)

    def handle(self, *args, out, query, width, **options):
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as error:
            raise CommandError("the playwright package is not installed") from error
        if not Path(CHROMIUM).exists():
            raise CommandError(f"Chromium is not installed at {CHROMIUM}")
        demo_users_ensure()
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
        server.set_app(StaticFilesHandler(get_wsgi_application()))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
                )
                for language in ("es", "en"):
                    self._shoot(browser, base, language, folder, query, width)
                browser.close()
        finally:
            server.shutdown()

    def _shoot(self, browser, base, language, folder, query, width):
        page = browser.new_page(viewport={"width": width, "height": 900}, locale=language)
        page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        page.goto(f"{base}/accounts/login/")
        page.fill('input[name="username"]', "manager")
        page.fill('input[name="password"]', DEMO_USERS["manager"][0])
        page.click('button[type="submit"]')
        page.wait_for_load_state()
        for path in PAGES:
            page.goto(f"{base}/reports/{path}" + (f"?{query}" if query else ""))
            name = folder / f"reports-{(path.strip('/') or 'overview')}-{language}.png"
            page.screenshot(path=str(name), full_page=True)
            self.stdout.write(str(name))
        page.close()

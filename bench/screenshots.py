"""`make screenshots`: what customers and staff see, as PNGs in var/screenshots/.

Seeds a throwaway SQLite database (bench/showcase.py: a late order with a case, its delay notice
and a survey, for a Spanish and an English customer), starts the app on a free loopback port,
and photographs in headless Chromium (/usr/bin/chromium):
- the order, survey, delay, preferences and unsubscribe pages, both languages, phone (390x844)
  and desktop (1280x800);
- the survey mail's HTML at 320, 390 and 600 px;
- staff pages on a phone and a tablet (820x1180).
Each PNG's name says page, language and width; a line per shot reports any sideways scroll.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
PUBLIC_PAGES = ("order", "survey", "delay", "preferences", "unsubscribe")
STAFF_PAGES = {
    "home": "/",
    "customers": "/customers/",
    "customer-search": "/customers/?q=fernandez",
    "outbox": "/followups/messages/",
    "rules": "/followups/rules/",
    "reports": "/reports/",
}
STAFF_USER = ("marta", "screenshots-only-pw")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(tmp: Path, port: int) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "CACHE_URL", "CELERY_BROKER_URL")
    }
    env.update(
        DEBUG="true",
        VAR_DIR=str(tmp),
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        SITE_URL=f"http://127.0.0.1:{port}",
        CELERY_TASK_ALWAYS_EAGER="true",
        DJANGO_SETTINGS_MODULE="postsale.settings",
    )
    return env


def seed(env: dict) -> dict:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from bench.showcase import seed as seed_language
    from customers.models import Customer

    call_command("migrate", verbosity=0)
    shows = {"es": seed_language("es"), "en": seed_language("en", case_solved=True)}
    user = User.objects.create_user(
        STAFF_USER[0], password=STAFF_USER[1], first_name="Marta", email="marta@shop.example"
    )
    user.groups.add(Group.objects.get(name="Manager"))
    shows["customer_id"] = Customer.objects.get(external_id="SHOW-es").pk
    # Last week's digest, planned and sent through the outbox as beat and the workers do.
    from followups.dispatch import dispatch_due
    from followups.models import Kind, Message
    from reports.digest import digest_plan

    digest_plan()
    dispatch_due()
    shows["digest_id"] = Message.objects.get(kind=Kind.WEEKLY_DIGEST, staff_recipient=user).pk
    return shows


def serve(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)  # noqa: S310
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the app did not start")


def shoot(page, name: str, notes: list[str]) -> None:
    from bench.showcase import sideways

    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    overflow = sideways(page)
    notes.append(f"{path.relative_to(ROOT)}{'' if overflow <= 0 else f'  SCROLLS SIDEWAYS {overflow}px'}")


def photograph(site: str, shows: dict) -> list[str]:
    from playwright.sync_api import sync_playwright

    from bench.showcase import DESKTOP, PHONE, TABLET
    from tests.browser import ARGS

    notes: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            for size in (PHONE, DESKTOP):
                page = browser.new_page(viewport=size)
                for language in ("es", "en"):
                    for name in PUBLIC_PAGES:
                        page.goto(site + getattr(shows[language], name))
                        if name == "survey":
                            page.click("details summary")
                        shoot(page, f"{name}-{language}-{size['width']}", notes)
                page.close()
            for width in (320, 390, 600):
                page = browser.new_page(viewport={"width": width, "height": 800})
                for language in ("es", "en"):
                    page.set_content(shows[language].survey_mail)
                    shoot(page, f"mail-survey-{language}-{width}", notes)
                page.close()
            for size in (PHONE, TABLET):
                page = browser.new_page(viewport=size)
                page.goto(site + "/accounts/login/")
                page.fill('input[name="username"]', STAFF_USER[0])
                page.fill('input[name="password"]', STAFF_USER[1])
                page.click('button[type="submit"]')
                page.wait_for_load_state()
                pages = {
                    **STAFF_PAGES,
                    "customer": f"/customers/{shows['customer_id']}/",
                    "digest-message": f"/followups/messages/{shows['digest_id']}/",
                }
                for name, path in pages.items():
                    page.goto(site + path)
                    shoot(page, f"staff-{name}-{size['width']}", notes)
                page.close()
        finally:
            browser.close()
    return notes


def main() -> None:
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium is not installed at {CHROMIUM}")
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="postsale-shots-") as tmp:
        env = environment(Path(tmp), port)
        shows = seed(env)
        server = serve(env, port)
        try:
            notes = photograph(f"http://127.0.0.1:{port}", shows)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print("\n".join(notes))
    print(f"{len(notes)} screenshots in {OUT.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()

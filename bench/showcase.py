"""What customers see, seeded in one call: a late order with a case, its delay notice and a sent
survey, for a Spanish and an English customer. Used by the layout browser tests
(tests/test_layout_browser.py) and by `make screenshots` (bench/screenshots.py).

Runs against whatever database Django is configured with: call it only on a throwaway one.
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from customers import services
from followups import emails
from followups.dispatch import message_token
from followups.models import Kind, Message, State
from followups.outbox import message_plan
from postsale.lib.tokens import token_hash

PEOPLE = {
    "es": ("Lucía Fernández de la Fuente", "lucia@example.es"),
    "en": ("Emma Clarke", "emma@example.co.uk"),
}
TRACKING = "ES-2026-4471-0093"  # a hyphenated tracking number, as carriers print them
TOTAL = Decimal("1375.90")


@dataclass
class Showcase:
    language: str
    order: str  # paths on the site
    delay: str
    preferences: str
    unsubscribe: str
    survey: str
    survey_mail: str  # the survey mail's HTML, as sent
    case_id: int


def _sent(message: Message, minutes_ago: int = 10) -> str:
    token = message_token(message)
    Message.objects.filter(pk=message.pk).update(
        state=State.SENT,
        token_hash=token_hash(token),
        sent_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
    )
    message.refresh_from_db()
    return token


def seed(language: str, *, case_solved: bool = False) -> Showcase:
    name, email = PEOPLE[language]
    now = timezone.now()
    today = timezone.localdate()
    customer, _ = services.customer_upsert(
        external_id=f"SHOW-{language}", name=name, email=email, language=language
    )
    sale = services.sale_record(
        external_id=f"PED-{language.upper()}-1042",
        customer=customer,
        ordered_at=now - dt.timedelta(days=6),
        lines=[services.LineData(name="Cafetera espresso", category="hogar", quantity=1, unit_price=TOTAL)],
        delivery={
            "status": "in_transit",
            "carrier": "Correos Express",
            "tracking_number": TRACKING,
            "promised_date": today - dt.timedelta(days=1),
            "estimated_date": today + dt.timedelta(days=3),
        },
    ).sale
    case = services.complaint_open(customer=customer, sale=sale, reason="delivery_late")
    if case_solved:
        case = services.complaint_resolve(complaint=case, resolution_note="ok")
    sale.delivery.refresh_from_db()
    notice = message_plan(
        kind=Kind.DELAY_NOTICE,
        customer_id=customer.pk,
        sale_id=sale.pk,
        dedupe_key=f"show:delay:{language}",
        planned_at=now,
        expires_at=now + dt.timedelta(days=7),
        data={"new_date": sale.delivery.estimated_date.isoformat()},
    )
    token = _sent(notice)
    survey = message_plan(
        kind=Kind.SURVEY,
        customer_id=customer.pk,
        sale_id=sale.pk,
        dedupe_key=f"show:survey:{language}",
        planned_at=now,
        expires_at=now + dt.timedelta(days=7),
    )
    survey_token = _sent(survey)
    html = emails.render(survey, survey_token).html
    answer = re.search(r'(/c/s/[^"/?]+/)\?score=', html).group(1)
    return Showcase(
        language=language,
        order=f"/c/o/{token}/",
        delay=f"/c/d/{token}/",
        preferences=f"/c/p/{token}/",
        unsubscribe=f"/c/u/{token}/",
        survey=answer,
        survey_mail=html,
        case_id=case.pk,
    )


# --- Measuring a page in a browser (Playwright page objects) ----------------------------------

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 820, "height": 1180}

SIDEWAYS = "document.documentElement.scrollWidth - window.innerWidth"
# Lines an element's text takes: its height over its line height.
LINES = """el => { const s = getComputedStyle(el); const lh = parseFloat(s.lineHeight) ||
  1.2 * parseFloat(s.fontSize); return Math.round(el.getBoundingClientRect().height / lh); }"""
# The score buttons' rows: {top: count}, and the right edge of the rightmost one.
ROWS = """els => { const rows = {}; let right = 0; for (const el of els) {
  const r = el.getBoundingClientRect(); const top = Math.round(r.top);
  rows[top] = (rows[top] || 0) + 1; right = Math.max(right, r.right); }
  return {rows: Object.keys(rows).sort((a, b) => a - b).map(k => rows[k]), right}; }"""


def sideways(page) -> int:
    """How many pixels the page scrolls sideways (0: none)."""
    return page.evaluate(SIDEWAYS)


def lines_of(page, selector: str) -> list[int]:
    return page.eval_on_selector_all(selector, f"els => els.map({LINES})")


def score_rows(page, selector: str) -> dict:
    return page.eval_on_selector_all(selector, ROWS)

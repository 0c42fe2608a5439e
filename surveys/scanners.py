"""Telling a person's answer from a mail scanner's.

Security gateways follow every link in a mail, and some render the page and submit its form
within seconds of delivery. A GET therefore never records anything; the page carries a signed
"served at" stamp, and a POST is flagged as automated when:

- it carries no valid stamp for this invitation (nothing loaded the page before submitting it);
- it comes less than MIN_SECONDS after the page was served (no person reads, picks and clicks
  that fast; the score already chosen in the mail still needs a click on "Send");
- its user agent is empty or names a known scanner or HTTP library (AUTOMATED_AGENTS).

"HeadlessChrome" is deliberately not on the list: a headless browser is also what assistive and
testing tools use, and the scanners that render pages are caught by the stamp and the timing.
Flagged submissions are kept (as revisions) so staff can see them; they never count.
"""

import time

from django.core import signing

from surveys.models import FlagReason

MIN_SECONDS = 3.0
STAMP_SALT = "surveys.page-served"
# Lower-case substrings of user agents that are never a person's browser.
AUTOMATED_AGENTS = (
    "barracuda", "proofpoint", "mimecast", "urlscan", "trendmicro", "forcepoint", "symantec",
    "safelinks", "linkscanner", "python-requests", "python-urllib", "aiohttp", "httpx", "curl/",
    "wget/", "go-http-client", "java/", "okhttp", "libwww-perl", "apache-httpclient", "scrapy",
    "bot/", "spider", "crawler",
)


def page_stamp(invitation_id: int, *, served_at: float | None = None) -> str:
    """A signed "this page was served for this invitation at this time" for the form."""
    served_at = time.time() if served_at is None else served_at
    return signing.dumps({"i": invitation_id, "ms": int(served_at * 1000)}, salt=STAMP_SALT,
                         compress=False)


def seconds_since_served(stamp: str, invitation_id: int) -> float | None:
    """None when the stamp is missing, forged, or belongs to another invitation."""
    try:
        value = signing.loads(stamp or "", salt=STAMP_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or value.get("i") != invitation_id:
        return None
    return round(time.time() - value.get("ms", 0) / 1000, 3)


def automation_reason(*, seconds: float | None, user_agent: str) -> str:
    """Why this submission looks automated ("" when it looks like a person's)."""
    agent = user_agent.lower()
    if not agent or any(marker in agent for marker in AUTOMATED_AGENTS):
        return FlagReason.AUTOMATED_AGENT
    if seconds is None:
        return FlagReason.NO_PAGE_LOAD
    if seconds < MIN_SECONDS:
        return FlagReason.TOO_FAST
    return ""

"""Telling a person's submission of a public page from a mail scanner's: one rule for every page.

Security gateways follow every link in a mail, and some render the page and submit its form,
usually within seconds of the mail's delivery. A GET never changes anything; a POST of a public
page (survey answer, delay choice, unsubscribe button, preferences) is judged by signals that
people do not trip:

- no page load: the form carries no valid signed stamp of this page (nothing loaded it first);
- a known scanner: the user agent is empty or names a scanner or HTTP library (AUTOMATED_AGENTS),
  or the address is in a scanner's network (settings.SCANNER_NETWORKS, CIDRs);
- right after delivery: it comes less than settings.SCANNER_AFTER_DELIVERY_SECONDS after the
  mail was sent, sooner than anyone can open a mail, its link and press a button;
- no interaction: the page's script ran (static/js/public.js) and saw no pointer, touch or key
  from a person before the form went off. Without JavaScript this signal says nothing, so the
  page works and counts a person's answer without it.

Time since the page loaded is kept but decides nothing: a customer who chose the score in the
mail presses Send half a second after the page opens, which is as fast as a scanner.
"HeadlessChrome" is not on the list either: assistive and testing tools are headless browsers
too, and the scanners that render pages are caught by the delivery timing and the interaction.

The RFC 8058 one-click POST is not judged here: the RFC makes it one request without a page.
"""

import datetime as dt
import ipaddress
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from postsale.lib.public import client_ip

STAMP_SALT = "public.page-served"
STAMP_FIELD, INTERACTION_FIELD = "stamp", "interaction"
# What public.js writes into INTERACTION_FIELD once it runs and until a person touches the page.
NO_INTERACTION = "none"
# Lower-case substrings of user agents that are never a person's browser.
AUTOMATED_AGENTS = (
    "barracuda",
    "proofpoint",
    "mimecast",
    "urlscan",
    "trendmicro",
    "forcepoint",
    "symantec",
    "safelinks",
    "linkscanner",
    "python-requests",
    "python-urllib",
    "aiohttp",
    "httpx",
    "curl/",
    "wget/",
    "go-http-client",
    "java/",
    "okhttp",
    "libwww-perl",
    "apache-httpclient",
    "scrapy",
    "bot/",
    "spider",
    "crawler",
)


class AutomationReason(models.TextChoices):
    AUTOMATED_AGENT = "automated_agent", _("Known scanner or script")
    SCANNER_NETWORK = "scanner_network", _("From a mail scanner's network")
    NO_PAGE_LOAD = "no_page_load", _("No page load before it")
    AFTER_DELIVERY = "after_delivery", _("Seconds after the mail was delivered")
    NO_INTERACTION = "no_interaction", _("Nobody touched the page")
    # No longer decided (a person who chose in the mail is that fast); kept for old revisions.
    TOO_FAST = "too_fast", _("Sent too soon after the page loaded")


@dataclass(frozen=True)
class Submission:
    """What a POST tells about who sent it, and the verdict ("" is a person)."""

    seconds: float | None
    ip: str
    user_agent: str
    interaction: str
    reason: str

    @property
    def automated(self) -> bool:
        return bool(self.reason)

    def as_data(self) -> dict:
        return {
            "reason": self.reason,
            "seconds": self.seconds,
            "ip": self.ip,
            "user_agent": self.user_agent[:300],
            "interaction": self.interaction[:20],
        }


def page_stamp(subject: str, *, served_at: float | None = None) -> str:
    """A signed "this page was served for `subject` at this time" for the page's form."""
    served_at = time.time() if served_at is None else served_at
    return signing.dumps({"s": subject, "ms": int(served_at * 1000)}, salt=STAMP_SALT, compress=False)


def seconds_since_served(stamp: str, subject: str) -> float | None:
    """None when the stamp is missing, forged, or belongs to another page."""
    try:
        value = signing.loads(stamp or "", salt=STAMP_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or value.get("s") != subject:
        return None
    return round(time.time() - value.get("ms", 0) / 1000, 3)


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def in_scanner_network(ip: str) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in network for network in _networks(tuple(settings.SCANNER_NETWORKS)))


def automation_reason(
    *,
    seconds: float | None,
    user_agent: str,
    ip: str = "",
    mail_sent_at: dt.datetime | None = None,
    interaction: str = "",
    now: dt.datetime | None = None,
) -> str:
    """Why this submission looks automated ("" when it looks like a person's)."""
    agent = user_agent.lower()
    if not agent or any(marker in agent for marker in AUTOMATED_AGENTS):
        return AutomationReason.AUTOMATED_AGENT
    if ip and in_scanner_network(ip):
        return AutomationReason.SCANNER_NETWORK
    if seconds is None:
        return AutomationReason.NO_PAGE_LOAD
    now = now or timezone.now()
    window = dt.timedelta(seconds=settings.SCANNER_AFTER_DELIVERY_SECONDS)
    if mail_sent_at is not None and now - mail_sent_at < window:
        return AutomationReason.AFTER_DELIVERY
    if interaction == NO_INTERACTION:
        return AutomationReason.NO_INTERACTION
    return ""


def submission_check(request, *, subject: str, mail_sent_at: dt.datetime | None = None) -> Submission:
    """Judge a public page's POST (its stamp, interaction field, agent and address)."""
    seconds = seconds_since_served(request.POST.get(STAMP_FIELD, ""), subject)
    ip, agent = client_ip(request), request.META.get("HTTP_USER_AGENT", "")
    interaction = request.POST.get(INTERACTION_FIELD, "")
    reason = automation_reason(
        seconds=seconds, user_agent=agent, ip=ip, mail_sent_at=mail_sent_at, interaction=interaction
    )
    return Submission(seconds=seconds, ip=ip, user_agent=agent, interaction=interaction, reason=reason)

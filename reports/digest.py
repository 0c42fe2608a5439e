"""The weekly digest: last week's key numbers and charts, mailed to every manager on Monday.

It goes through the outbox like every other mail: `digest_plan` (beat, hourly) writes one
outbox row per manager and week (`weekly_digest:<user>:<monday>`, a unique key, so reruns plan
nothing twice) addressed to the manager (`Message.staff_recipient`; staff mail has no
customer), and the dispatcher sends it: claim, send once, retry with backoff, ESP events, the
outbox page. None of the customer's rules apply to it (followups.policies.staff_recipient).

The mail is rendered at send time by `render_message`, registered as the kind's own renderer:
the dashboard's own SVG charts, rasterised to PNG by vl-convert (no browser, fonts bundled) and
sent as inline images, so the mail shows what the page shows. A batch renders it once per
language.
"""

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from followups.emails import Rendered
from followups.models import KIND_CATEGORY, Kind, Message
from reports import charts, metrics, pages, tables
from reports.dashboard_models import LANGUAGES, DigestPreference
from reports.metrics.payload import headline
from reports.metrics.scope import Scope

log = logging.getLogger(__name__)
TREND_WEEKS = 12
# A digest not sent within this long (workers down all week) is cancelled: next week's replaces it.
DIGEST_EXPIRES = dt.timedelta(days=6)


def last_week(today: dt.date) -> Scope:
    """Monday to Monday: the last whole week before today."""
    monday = today - dt.timedelta(days=today.weekday())
    return Scope(monday - dt.timedelta(days=7), monday)


def _png(svg: str) -> bytes:
    import vl_convert

    return vl_convert.svg_to_png(str(svg), scale=2)


def digest_render(*, scope: Scope, language: str) -> Rendered:
    """The digest of one week in one language: the same numbers as /reports/ for that week."""
    with translation.override(language):
        numbers = headline(scope)
        trend_scope = Scope(scope.end - dt.timedelta(weeks=TREND_WEEKS), scope.end)
        nps_svg = pages.nps_chart(trend_scope, metrics.nps_trend(trend_scope))
        late = tables.late_reason_table(scope)
        late_svg = charts.bars(
            [(r[0], r[1], str(r[1])) for r in late.rows],
            title=_("Late deliveries by reason"),
            color=charts.BAD,
        )
        tiles = pages.tiles(scope, numbers, names=None)
        link = settings.SITE_URL + reverse("reports:retention") + f"?start={scope.start}&end={scope.end}"
        context = {
            "scope": scope,
            "tiles": tiles,
            "late": late,
            "link": link,
            "LANGUAGE_CODE": language,
            "weeks": TREND_WEEKS,
        }
        subject = _("Postsale weekly: %(start)s to %(end)s") % {
            "start": scope.start.strftime("%d/%m"),
            "end": (scope.end - dt.timedelta(days=1)).strftime("%d/%m"),
        }
        return Rendered(
            subject=subject,
            text=render_to_string("reports/digest.txt", context).strip() + "\n",
            html=render_to_string("reports/digest.html", context),
            images={"nps_trend": _png(nps_svg), "late_reasons": _png(late_svg)},
        )


def render_message(message: Message) -> Rendered:
    """The outbox's renderer for a weekly_digest row: its week, in its language."""
    start = dt.date.fromisoformat(message.data["week"])
    return digest_render(scope=Scope(start, start + dt.timedelta(days=7)), language=message.language)


def managers():
    return (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(Q(groups__name="Manager") | Q(is_superuser=True))
        .distinct()
        .select_related("digest_preference")
        .order_by("pk")
    )


def digest_plan(*, today: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Plan last week's digest for each manager who wants it and has not had it planned: one
    outbox row per manager and week, whatever the number of runs. Returns how many were
    planned now; the dispatcher sends them."""
    now = now or timezone.now()
    week = last_week(today or timezone.localdate(now)).start
    planned = 0
    for user in managers():
        preference, _created = DigestPreference.objects.get_or_create(
            user=user, defaults={"language": _site_language()}
        )
        if not preference.enabled:
            continue
        _message, created = Message.objects.get_or_create(
            dedupe_key=f"{Kind.WEEKLY_DIGEST}:{user.pk}:{week.isoformat()}",
            defaults={
                "kind": Kind.WEEKLY_DIGEST,
                "category": KIND_CATEGORY[Kind.WEEKLY_DIGEST],
                "staff_recipient": user,
                "planned_at": now,
                "expires_at": now + DIGEST_EXPIRES,
                "language": preference.language,
                "data": {"week": week.isoformat()},
            },
        )
        if created:
            planned += 1
            DigestPreference.objects.filter(pk=preference.pk).update(sent_for=week)
    return planned


def _site_language() -> str:
    codes = [code for code, _name in LANGUAGES]
    return settings.LANGUAGE_CODE if settings.LANGUAGE_CODE in codes else codes[0]

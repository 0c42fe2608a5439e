"""The weekly digest: last week's key numbers and charts, mailed to every manager on Monday.

Not through the outbox: an outbox Message belongs to a customer (its customer, consent,
suppression and unsubscribe link are the engine's whole point) and a manager is no customer. It
uses the mails' shared HTML layout (emails/base.html) with a staff footer, is claimed per manager
and week like the outbox's rows (a conditional UPDATE whose count must be 1), and goes out
through the same mail connection as every other mail.

The charts are the dashboard's own SVG, rasterised to PNG by vl-convert (no browser, fonts
bundled) and sent as inline images, so the mail shows what the page shows.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field
from email.mime.image import MIMEImage

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from reports import charts, metrics, pages, tables
from reports.dashboard_models import LANGUAGES, DigestPreference
from reports.metrics.payload import headline
from reports.metrics.scope import Scope

log = logging.getLogger(__name__)
TREND_WEEKS = 12


def last_week(today: dt.date) -> Scope:
    """Monday to Monday: the last whole week before today."""
    monday = today - dt.timedelta(days=today.weekday())
    return Scope(monday - dt.timedelta(days=7), monday)


@dataclass
class Digest:
    subject: str
    text: str
    html: str
    images: dict[str, bytes] = field(default_factory=dict)  # content id → PNG


def _png(svg: str) -> bytes:
    import vl_convert

    return vl_convert.svg_to_png(str(svg), scale=2)


def digest_render(*, scope: Scope, language: str) -> Digest:
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
        return Digest(
            subject=subject,
            text=render_to_string("reports/digest.txt", context).strip() + "\n",
            html=render_to_string("reports/digest.html", context),
            images={"nps_trend": _png(nps_svg), "late_reasons": _png(late_svg)},
        )


def digest_build(*, user: User, digest: Digest) -> EmailMultiAlternatives:
    mail = EmailMultiAlternatives(
        subject=digest.subject, body=digest.text, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email]
    )
    mail.attach_alternative(digest.html, "text/html")
    mail.mixed_subtype = "related"  # the images belong to the HTML, not beside it
    for name, png in digest.images.items():
        image = MIMEImage(png, "png")
        image.add_header("Content-ID", f"<{name}>")
        image.add_header("Content-Disposition", "inline", filename=f"{name}.png")
        mail.attach(image)
    mail.tags = ["weekly_digest"]
    return mail


def managers():
    return (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(Q(groups__name="Manager") | Q(is_superuser=True))
        .distinct()
        .select_related("digest_preference")
        .order_by("pk")
    )


def digest_send(*, today: dt.date | None = None) -> int:
    """Mail last week's digest to each manager who wants it and has not had it: one mail per
    manager and week, whatever the number of runs. Renders once per language. Returns the
    number sent."""
    scope = last_week(today or timezone.localdate())
    rendered: dict[str, Digest] = {}
    sent = 0
    with get_connection() as connection:
        for user in managers():
            preference, _created = DigestPreference.objects.get_or_create(
                user=user, defaults={"language": _site_language()}
            )
            if not preference.enabled or not _claim(preference, scope.start):
                continue
            if preference.language not in rendered:
                rendered[preference.language] = digest_render(scope=scope, language=preference.language)
            try:
                connection.send_messages([digest_build(user=user, digest=rendered[preference.language])])
            except Exception:
                log.exception("weekly digest to %s failed", user.pk)
                DigestPreference.objects.filter(pk=preference.pk).update(sent_for=preference.sent_for)
                continue
            sent += 1
    return sent


def _claim(preference: DigestPreference, week: dt.date) -> bool:
    return (
        DigestPreference.objects.filter(pk=preference.pk)
        .filter(Q(sent_for__isnull=True) | Q(sent_for__lt=week))
        .update(sent_for=week)
        == 1
    )


def _site_language() -> str:
    codes = [code for code, _name in LANGUAGES]
    return settings.LANGUAGE_CODE if settings.LANGUAGE_CODE in codes else codes[0]

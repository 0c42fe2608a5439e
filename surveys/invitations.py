"""Survey invitations: what a survey mail asks, the links to it, and the reminder sweep.

The follow-up engine sends the mails; inside a survey mail's send transaction its renderer asks
`invitation_for_message` for the "survey" part of the template context.
"""

import base64
import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from customers.choices import Language
from followups.models import Kind, Message
from followups.outbox import messages_plan
from postsale.lib.compiled import CompiledRead
from postsale.lib.tokens import token_hash, token_new
from surveys.definitions import SurveyType
from surveys.models import Invitation, InvitationToken

REMINDER_AFTER_DAYS = getattr(settings, "SURVEY_REMINDER_DAYS", 3)
# A reminder must leave the customer some days to use its link.
REMINDER_MIN_LIFE = dt.timedelta(days=2)
REMINDER_WINDOW = dt.timedelta(days=7)
REMINDER_BATCH = 1000
ORDER_LINK_SALT = "surveys.order-page-link"


def invitation_for_message(message: Message) -> dict:
    """The "survey" context of a survey or case-survey mail, called inside its send transaction.

    Idempotent per message: a retried send finds the same invitation (a reminder, the invitation
    it reminds of) and only adds a fresh link to it. Keys: question, scale [(score, url)],
    answer_url, low_label, high_label, expires_at (and type, the survey's code).
    """
    invitation = _invitation_of(message)
    token, hashed = token_new()
    InvitationToken.objects.create(invitation=invitation, token_hash=hashed, message=message)
    with translation.override(_language_of(message)):
        return _mail_context(invitation, token)


def _language_of(message: Message) -> str:
    return Language.of(message.language or message.customer.language)


def mail_context(message: Message, preview: bool) -> dict:
    """The engine's hook (followups.kinds): a survey mail's "survey" context; a preview gets
    sample buttons and stores nothing."""
    return {"survey": sample_survey() if preview else invitation_for_message(message)}


def sample_survey() -> dict:
    return {
        "question": _("How likely are you to recommend us to a friend?"),
        "scale": [(score, "#") for score in range(11)],
        "answer_url": "#",
        "low_label": _("Not likely"),
        "high_label": _("Very likely"),
        "expires_at": None,
    }


def _invitation_of(message: Message) -> Invitation:
    reminded = (message.data or {}).get("reminder_of_invitation")
    if reminded:
        return Invitation.objects.get(pk=reminded)
    invitation, _created = Invitation.objects.get_or_create(
        message=message,
        defaults={
            "customer_id": message.customer_id,
            "sale_id": message.sale_id or (message.complaint.sale_id if message.complaint_id else None),
            "complaint_id": message.complaint_id,
            "survey_type": _survey_type_of(message),
        },
    )
    return invitation


def _survey_type_of(message: Message) -> str:
    if message.kind == Kind.CASE_SURVEY:
        return SurveyType.CSAT
    wanted = (message.data or {}).get("survey_type")
    return wanted if wanted in (SurveyType.NPS, SurveyType.CSAT) else SurveyType.NPS


def _mail_context(invitation: Invitation, token: str) -> dict:
    scale = invitation.scale
    answer_url = settings.SITE_URL + reverse("survey:answer", args=[token])
    return {
        "type": invitation.survey_type,
        "question": str(scale.question),
        "scale": [(score, f"{answer_url}?score={score}") for score in scale.scores],
        "answer_url": answer_url,
        "low_label": str(scale.low_label),
        "high_label": str(scale.high_label),
        "expires_at": invitation.expires_at,
    }


_PAGE_LINK = CompiledRead(
    lambda digest: InvitationToken.objects.filter(token_hash=digest).only("pk").order_by("pk")[:1], str
)


def invitation_link_for_page(*, invitation: Invitation, page_token: str) -> str:
    """A survey link for the order page, derived from that page's own (secret) token.

    Reloading the page gives the same link, so it adds at most one row per page and invitation;
    only the link's hash is stored, like every other link.
    """
    digest = salted_hmac(ORDER_LINK_SALT, f"{invitation.pk}:{page_token}", algorithm="sha256").digest()
    token = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    hashed = token_hash(token)
    # A reload reads (one statement); only the first view writes (a transaction of its own).
    # Two first views at once are still one row: the insert ignores the unique hash's conflict.
    if _PAGE_LINK.first(hashed) is None:
        InvitationToken.objects.bulk_create(
            [InvitationToken(invitation=invitation, token_hash=hashed)], ignore_conflicts=True
        )
    return token


def reminders_plan(
    *, now: dt.datetime | None = None, after_days: int = REMINDER_AFTER_DAYS, batch_size: int = REMINDER_BATCH
) -> int:
    """Plan one reminder mail per invitation still unanswered `after_days` after its mail.

    Set-based, one transaction per batch: one SELECT, one INSERT of outbox rows (their dedupe key
    `survey_reminder:<invitation>` makes a rerun harmless) and one UPDATE marking the batch.
    The reminder carries data["reminder_of_invitation"], so its mail asks the same invitation.
    """
    now = now or timezone.now()
    due = Invitation.objects.filter(
        answered_at__isnull=True,
        reminded_at__isnull=True,
        created_at__lte=now - dt.timedelta(days=after_days),
        expires_at__gt=now + REMINDER_MIN_LIFE,
    ).order_by("created_at", "pk")
    planned = 0
    while True:
        with transaction.atomic():
            rows = list(
                due.values_list(
                    "pk", "customer_id", "sale_id", "complaint_id", "message__kind", "expires_at"
                )[:batch_size]
            )
            if not rows:
                return planned
            messages_plan([_reminder(row, now) for row in rows])
            Invitation.objects.filter(pk__in=[row[0] for row in rows]).update(reminded_at=now)
        planned += len(rows)


def _reminder(row: tuple, now: dt.datetime) -> Message:
    pk, customer_id, sale_id, complaint_id, kind, expires_at = row
    return Message(
        kind=kind,
        customer_id=customer_id,
        sale_id=sale_id,
        complaint_id=complaint_id,
        dedupe_key=f"survey_reminder:{pk}",
        planned_at=now,
        expires_at=min(expires_at - REMINDER_MIN_LIFE, now + REMINDER_WINDOW),
        data={"reminder_of_invitation": pk},
    )

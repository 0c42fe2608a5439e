"""Writes for surveys: a customer's submissions of the answer page, and what they set off.

Everything a customer does on the answer page arrives through `answer_submit`. Invitations and
their links are written in surveys.invitations.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from customers.choices import ComplaintSource, Feeling, Reason, Severity, TimelineKind
from customers.services import complaint_open, customer_feeling_record, timeline_add
from postsale.lib.compiled import CompiledRead
from surveys.definitions import CES
from surveys.models import Answer, AnswerRevision, Invitation
from surveys.scanners import automation_reason, seconds_since_served
from surveys.timeline import answer_text

CASE_SLA_HOURS = 24
COMMENT_MAX = 2000

# A submission's two reads, compiled once per process (postsale/lib/compiled.py): building them
# as querysets was a third of answer_submit's Python. Both run inside its transaction.
_LOCKED = CompiledRead(
    lambda invitation_id: (
        Invitation.objects.select_for_update().only("answered_at").filter(pk=invitation_id).order_by("pk")[:1]
    ),
    int,
)
_ANSWER = CompiledRead(
    lambda invitation_id: Answer.objects.filter(invitation_id=invitation_id).order_by("pk")[:1], int
)


def answer_submit(
    *,
    invitation: Invitation,
    score: int,
    ces_score: int | None = None,
    would_buy_again: bool | None = None,
    comment: str = "",
    reasons: list[str] | tuple = (),
    page_stamp: str = "",
    ip: str | None = None,
    user_agent: str = "",
    interaction: str = "",
    mail_sent_at: dt.datetime | None = None,
) -> AnswerRevision:
    """Record one submission of the answer page. One transaction, one writer per invitation.

    Every submission is kept as a revision with its timing, IP and user agent. A person's becomes
    the answer: the first marks the invitation answered, each change goes on the timeline, and an
    unhappy one opens a case (once per invitation). One that looks automated (the shared rule of
    postsale/lib/scanners.py: no page load, a scanner's agent or network, seconds after the mail
    went out at `mail_sent_at`, no interaction seen by the page's script) is flagged and only
    stands in as the answer until a person answers; it never counts, never opens a case.
    """
    values = _clean(
        invitation,
        score=score,
        ces_score=ces_score,
        would_buy_again=would_buy_again,
        comment=comment,
        reasons=reasons,
    )
    seconds = seconds_since_served(page_stamp, invitation.pk)
    flag = automation_reason(
        seconds=seconds,
        user_agent=user_agent,
        ip=ip or "",
        mail_sent_at=mail_sent_at,
        interaction=interaction,
    )
    now = timezone.now()
    with transaction.atomic():
        # One writer per invitation; read "answered yet?" under the lock, not from the page load.
        # The answer is read by a statement of its own, after the lock: joined into the locking
        # one it would come from the snapshot before the wait (tests/surveys/test_answer_lock.py).
        invitation.answered_at = _LOCKED.first(invitation.pk).answered_at
        answer, changed = _answer_apply(invitation, values, flagged=bool(flag), now=now)
        revision = AnswerRevision.objects.create(
            answer=answer,
            submitted_at=now,
            seconds_since_page_served=seconds,
            ip=ip or None,
            user_agent=user_agent[:500],
            flagged=bool(flag),
            flag_reason=flag,
            **values,
        )
        if not flag:
            _person_answered(invitation, answer, changed=changed, now=now)
    return revision


def _clean(invitation: Invitation, *, score, ces_score, would_buy_again, comment, reasons) -> dict:
    errors = {}
    if score not in invitation.scale.scores:
        errors["score"] = _("Choose a score on the scale.")
    if ces_score is not None and (not invitation.asks_effort or ces_score not in CES.scores):
        errors["ces_score"] = _("Choose a score on the scale.")
    if set(reasons) - set(Reason.values):
        errors["reasons"] = _("Unknown reason.")
    if len(comment) > COMMENT_MAX:
        errors["comment"] = _("The comment is too long.")
    if errors:
        raise ValidationError(errors)
    return {
        "score": score,
        "ces_score": ces_score,
        "comment": comment.strip(),
        "would_buy_again": would_buy_again if invitation.asks_buy_again else None,
        "reasons": [reason for reason in Reason.values if reason in reasons],
    }


def _answer_apply(
    invitation: Invitation, values: dict, *, flagged: bool, now: dt.datetime
) -> tuple[Answer, bool]:
    """The answer after this submission, and whether it changed."""
    answer = _ANSWER.first(invitation.pk)
    if answer is None:
        return Answer.objects.create(
            invitation=invitation,
            customer_id=invitation.customer_id,
            survey_type=invitation.survey_type,
            answered_at=now,
            updated_at=now,
            flagged=flagged,
            **values,
        ), True
    if flagged and not answer.flagged:  # a machine never overwrites a person
        return answer, False
    changed = answer.flagged != flagged or any(getattr(answer, k) != v for k, v in values.items())
    if answer.flagged and not flagged:
        answer.answered_at = now  # the person's first answer is when it was answered
    for key, value in values.items():
        setattr(answer, key, value)
    answer.flagged, answer.updated_at = flagged, now
    answer.save()
    return answer, changed


def _person_answered(invitation: Invitation, answer: Answer, *, changed: bool, now: dt.datetime) -> None:
    first = invitation.answered_at is None
    if first:
        invitation.answered_at = now
        Invitation.objects.filter(pk=invitation.pk).update(answered_at=now)
    # Staff read the timeline and the case: write them in the shop's language.
    with translation.override(settings.LANGUAGE_CODE):
        if first or changed:
            _timeline_answer(invitation, answer, first=first)
        if answer.complaint_id is None and _is_unhappy(invitation, answer):
            _case_open(invitation, answer)
    if first or changed:
        customer_feeling_record(
            customer_id=invitation.customer_id, at=now, feeling=feeling_of(invitation, answer)
        )


def _is_unhappy(invitation: Invitation, answer: Answer) -> bool:
    return invitation.scale.is_detractor(answer.score) or (
        invitation.asks_effort and CES.is_detractor(answer.ces_score)
    )


def feeling_of(invitation: Invitation, answer: Answer) -> str:
    """Unhappy (a detractor on any question asked), happy (a promoter on all), else neutral."""
    if _is_unhappy(invitation, answer):
        return Feeling.UNHAPPY
    effort_happy = not invitation.asks_effort or CES.is_promoter(answer.ces_score)
    if invitation.scale.is_promoter(answer.score) and effort_happy:
        return Feeling.HAPPY
    return Feeling.NEUTRAL


def answer_summary(answer: Answer) -> str:
    """How an answer reads: NPS 9 — 'Muy contento', or CSAT 2 · CES 3."""
    return answer_text(
        survey_type=answer.survey_type, score=answer.score, ces_score=answer.ces_score, comment=answer.comment
    )


def _timeline_answer(invitation: Invitation, answer: Answer, *, first: bool) -> None:
    timeline_add(
        customer=invitation.customer,
        kind=TimelineKind.SURVEY_ANSWER,
        event="answer.recorded",
        sale=invitation.sale,
        complaint=invitation.complaint,
        body=answer.comment,
        data={
            "invitation": invitation.pk,
            "answer": answer.pk,
            "survey_type": answer.survey_type,
            "score": answer.score,
            "ces_score": answer.ces_score,
            "reasons": answer.reasons,
            "comment": answer.comment[:200],
            "changed": not first,
        },
    )


def _case_open(invitation: Invitation, answer: Answer) -> None:
    """Close the loop: an unhappy answer reaches support before the customer has to ask."""
    description = _("Unhappy survey answer: %(answer)s") % {"answer": answer_summary(answer)}
    complaint = complaint_open(
        customer=invitation.customer,
        sale=invitation.sale,
        reason=answer.reasons[0] if answer.reasons else Reason.OTHER,
        severity=Severity.HIGH,
        source=ComplaintSource.SURVEY,
        description=description,
        sla_hours=CASE_SLA_HOURS,
    )
    answer.complaint = complaint
    answer.save(update_fields=["complaint"])

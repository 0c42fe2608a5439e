"""The support workspace's writes: replies by e-mail, taking the next case, macros, escalation.

Each is one transaction over the case services in customers/services.py (which keep the SLA
clocks) and the outbox (followups/outbox.py), so nothing here writes a case directly.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import services as cases
from customers.choices import ComplaintStatus
from customers.models import Complaint
from followups.models import Kind, Message
from followups.outbox import message_plan
from followups.threading import case_reply_address
from support import selectors
from support.models import Macro, Notification

log = logging.getLogger(__name__)
REPLY_WINDOW = dt.timedelta(days=3)


def _send_soon() -> None:
    """Ask a worker to send now; if the broker is down the beat sweep sends it anyway."""
    from followups.tasks import dispatch_batch_task

    try:
        dispatch_batch_task.delay()
    except Exception:  # noqa: BLE001 - the outbox row is the truth; the sweep will find it
        log.warning("broker unavailable: the case reply waits for the dispatch sweep")


def case_reply_send(
    *,
    complaint: Complaint,
    text: str,
    author,
    waiting_customer: bool = False,
) -> Message:
    """Answer the customer by e-mail: an outbox row of kind CASE_REPLY (transactional, sent by
    the engine with its send-time rules), whose Reply-To brings their answer back to this case;
    the case's response clocks stop (complaint_respond)."""
    if not text.strip():
        raise ValidationError({"text": _("Write something first.")})
    if not complaint.customer.email:
        raise ValidationError({"text": _("This customer has no e-mail address.")})
    now = timezone.now()
    with transaction.atomic():
        cases.complaint_respond(
            complaint=complaint, message=text, author=author, waiting_customer=waiting_customer
        )
        message = message_plan(
            kind=Kind.CASE_REPLY,
            customer_id=complaint.customer_id,
            dedupe_key=f"case_reply:{complaint.pk}:{now.timestamp():.6f}",
            planned_at=now,
            expires_at=now + REPLY_WINDOW,
            sale_id=complaint.sale_id,
            complaint_id=complaint.pk,
            data={
                "body": text,
                "reply_to": case_reply_address(complaint.pk),
                "signature": author.get_full_name() if author else "",
            },
        )
        transaction.on_commit(_send_soon)
    return message


def case_take_next(*, user) -> Complaint | None:
    """Give the most urgent unassigned case to `user`. Two agents pressing at once get two
    different cases: the row is re-checked unassigned under its lock."""
    for _attempt in range(5):
        candidate = selectors.next_case()
        if candidate is None:
            return None
        with transaction.atomic():
            locked = (
                Complaint.objects.select_for_update()
                .unresolved()
                .filter(pk=candidate.pk, assignee__isnull=True)
                .first()
            )
            if locked is not None:
                return cases.complaint_assign(complaint=locked, assignee=user, author=user)
    return None


@dataclass
class MacroResult:
    complaint: Complaint
    go_next: bool


def macro_text(macro: Macro, complaint: Complaint) -> str:
    """The macro's reply with its placeholders filled for this case."""
    delivery = getattr(complaint.sale, "delivery", None) if complaint.sale else None
    new_date = delivery.estimated_date if delivery and delivery.estimated_date else None
    amount = macro.compensation_amount if macro.compensation_kind else complaint.compensation_amount
    values = {
        "first_name": complaint.customer.first_name,
        "order": complaint.sale.external_id if complaint.sale else "",
        "new_date": new_date.strftime("%d/%m/%Y") if new_date else "",
        "compensation": f"{amount} €" if amount is not None else "",
    }
    text = macro.body
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return text


def macro_apply(*, macro: Macro, complaint: Complaint, author) -> MacroResult:
    """Reply with the macro's text, then its compensation, severity and status, in one go."""
    with transaction.atomic():
        waiting = macro.set_status == ComplaintStatus.WAITING_CUSTOMER
        case_reply_send(
            complaint=complaint, text=macro_text(macro, complaint), author=author, waiting_customer=waiting
        )
        if macro.compensation_kind:
            cases.complaint_compensate(
                complaint=complaint,
                kind=macro.compensation_kind,
                amount=macro.compensation_amount,
                author=author,
            )
        if macro.set_severity:
            cases.complaint_severity_set(complaint=complaint, severity=macro.set_severity, author=author)
        if macro.set_status and not waiting:
            cases.complaint_status_set(
                complaint=complaint,
                status=macro.set_status,
                note=_("Macro: %(name)s") % {"name": macro.name},
                author=author,
            )
    return MacroResult(complaint=complaint, go_next=macro.then == Macro.Then.NEXT)


def managers():
    return get_user_model().objects.filter(is_active=True).filter(groups__name="Manager")


def sla_escalate(*, complaint: Complaint, now: dt.datetime) -> bool:
    """A breached case: recorded in its SLA ledger once, and the assignee and the managers are
    told in the app and by e-mail. False when it was escalated already."""
    from support.emails import breach_mail_send

    with transaction.atomic():
        entry = cases.complaint_breach_record(complaint=complaint, at=now)
        if entry is None:
            return False
        people = {u.pk: u for u in managers()}
        if complaint.assignee is not None:
            people[complaint.assignee.pk] = complaint.assignee
        text = _("Case #%(id)s is past its %(clock)s target") % {
            "id": complaint.pk,
            "clock": entry.get_clock_display().lower(),
        }
        Notification.objects.bulk_create(
            Notification(user=user, complaint=complaint, text=text[:300], created_at=now)
            for user in people.values()
        )
        recipients = [u.email for u in people.values() if u.email]
        transaction.on_commit(lambda: breach_mail_send(complaint_id=complaint.pk, recipients=recipients))
    return True


def sla_escalation_sweep(*, now: dt.datetime | None = None, batch: int = 200) -> int:
    """Beat: every open case whose next due time has passed, escalated once per clock run."""
    now = now or timezone.now()
    due = list(
        Complaint.objects.unresolved()
        .filter(next_due_at__lte=now)
        .select_related("customer", "assignee")
        .order_by("next_due_at", "pk")[:batch]
    )
    return sum(sla_escalate(complaint=case, now=now) for case in due)


def notification_read(*, user, pk: int) -> None:
    Notification.objects.filter(user=user, pk=pk, read_at__isnull=True).update(read_at=timezone.now())


def note_or_call_add(
    *,
    complaint: Complaint,
    text: str,
    author,
    call: bool = False,
    outcome: str = "",
    minutes: int | None = None,
):
    """An internal note, or a call with its outcome and length, on the case's thread."""
    if call and (outcome or minutes is not None):
        extra = ", ".join(
            part for part in (outcome, _("%(n)s min") % {"n": minutes} if minutes is not None else "") if part
        )
        text = f"{text}\n({extra})" if text.strip() else extra
    return cases.note_add(
        customer=complaint.customer, text=text, author=author, call=call, complaint=complaint
    )


def calendar_update(*, data: dict) -> None:
    """The managers' calendar and targets; every open case's due times follow after the commit."""
    from customers.business_calendar import shop_sla_forget
    from customers.models import BusinessCalendar, ClosedDay
    from support.tasks import sla_recompute_task

    with transaction.atomic():
        BusinessCalendar.objects.update_or_create(
            pk=1,
            defaults={
                "time_zone": data["time_zone"],
                "country": data["country"],
                "subdivision": data["subdivision"],
                "opening_hours": data["opening_hours"],
                "targets": data["targets"],
                "due_soon_percent": data["due_soon_percent"],
            },
        )
        ClosedDay.objects.all().delete()
        ClosedDay.objects.bulk_create(ClosedDay(date=day, name=name) for day, name in data["closed"])
        transaction.on_commit(shop_sla_forget)
        transaction.on_commit(lambda: _recompute_soon(sla_recompute_task))


def _recompute_soon(task) -> None:
    """The open cases' due times, in a worker; with the broker down, here (no sweep would)."""
    try:
        task.delay()
    except Exception:  # noqa: BLE001 - kombu's OperationalError or the transport's own
        log.warning("broker unavailable: the open cases' due times are recomputed in the request")
        task()

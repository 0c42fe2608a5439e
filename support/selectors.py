"""What the support workspace reads: the queue's views and counts, a case page, the calendar.

Every figure is a count over indexed columns the case services keep current (next_due_at,
next_due_soon_at, awaiting_reply_since, assignee, status); "due soon" and "breached" compare
those stored times with now, so they are live without a sweep rewriting rows.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.choices import ComplaintSource, ComplaintStatus, TimelineKind
from customers.models import Complaint, TimelineEntry
from surveys.definitions import SCALES
from surveys.models import Answer

PAGE = 25


@dataclass(frozen=True)
class View:
    key: str
    label: str
    engine: bool = False  # work the engine hands to people


VIEWS = [
    View("unassigned", _("Unassigned")),
    View("mine", _("Mine")),
    View("due_soon", _("Due soon")),
    View("breached", _("Breached")),
    View("waiting", _("Waiting for the customer")),
    View("open", _("All open")),
    View("delay_answers", _("Late deliveries: cancel or call"), engine=True),
    View("stuck", _("Stuck parcels"), engine=True),
    View("replies", _("Customer replies unanswered"), engine=True),
]
VIEW_KEYS = {view.key for view in VIEWS}


def view_filter(key: str, *, user, now: dt.datetime) -> Q:
    """The condition of one view, over unresolved cases."""
    return {
        "unassigned": Q(assignee__isnull=True),
        "mine": Q(assignee=user),
        "due_soon": Q(next_due_soon_at__lte=now, next_due_at__gt=now),
        "breached": Q(next_due_at__lte=now),
        "waiting": Q(status=ComplaintStatus.WAITING_CUSTOMER),
        "open": Q(),
        "delay_answers": Q(source=ComplaintSource.DELAY_NOTICE),
        "stuck": Q(source=ComplaintSource.STUCK_PARCEL),
        "replies": Q(awaiting_reply_since__isnull=False),
    }[key]


def queue_counts(*, user, now: dt.datetime | None = None) -> dict[str, int]:
    """Every view's count in one aggregate query, plus the unhappy answers without a case."""
    now = now or timezone.now()
    counts = Complaint.objects.unresolved().aggregate(
        **{view.key: Count("pk", filter=view_filter(view.key, user=user, now=now)) for view in VIEWS}
    )
    counts["unhappy"] = unhappy_answers().count()
    return counts


def queue(
    *,
    view: str,
    user,
    severity: str = "",
    reason: str = "",
    assignee: str = "",
    now: dt.datetime | None = None,
) -> QuerySet[Complaint]:
    """A view's cases, most urgent first: by the next due time (paused ones last), in the order
    of the partial index complaint_open_next_due_idx, so a page reads 25 index entries."""
    now = now or timezone.now()
    cases = Complaint.objects.unresolved().filter(view_filter(view, user=user, now=now))
    if severity:
        cases = cases.filter(severity=severity)
    if reason:
        cases = cases.filter(reason=reason)
    if assignee == "none":
        cases = cases.filter(assignee__isnull=True)
    elif assignee.isdigit():
        cases = cases.filter(assignee_id=int(assignee))
    return cases.select_related("customer", "sale", "assignee").order_by(
        F("next_due_at").asc(nulls_last=True), "pk"
    )


def next_case(*, now: dt.datetime | None = None) -> Complaint | None:
    """The most urgent unassigned case (what "Take next" gives)."""
    return queue(view="unassigned", user=None, now=now).first()


def unhappy_answers() -> QuerySet[Answer]:
    """Detractors' answers (by each survey's own scale) that no case looks after."""
    detractor = Q()
    for survey_type, scale in SCALES.items():
        detractor |= Q(survey_type=survey_type, score__lte=scale.detractor_max)
    return (
        Answer.objects.filter(detractor, flagged=False, complaint__isnull=True)
        .select_related("customer")
        .order_by("-answered_at", "-pk")
    )


def case_page(complaint: Complaint) -> dict:
    """Everything the case page shows, in a fixed number of queries."""
    sale = complaint.sale
    about = Q(complaint=complaint)
    if sale is not None:  # and every automatic mail about its order
        about |= Q(sale_id=sale.pk, kind=TimelineKind.MESSAGE)
    thread = (
        TimelineEntry.objects.filter(about, customer_id=complaint.customer_id)
        .select_related("author")
        .order_by("at", "pk")
    )
    lines = list(sale.lines.all()) if sale else []
    answer = Answer.objects.filter(complaint=complaint).order_by("answered_at").first()
    ledger = list(complaint.sla_ledger.all())
    return {
        "case": complaint,
        "customer": complaint.customer,
        "sale": sale,
        "delivery": getattr(sale, "delivery", None) if sale else None,
        "lines": lines,
        "answer": answer,
        "thread": list(thread[:300]),
        "ledger": ledger,
    }


def case_for_page(pk: int) -> Complaint:
    return Complaint.objects.select_related("customer", "sale", "sale__delivery", "assignee").get(pk=pk)


def customer_cases(customer) -> QuerySet[Complaint]:
    return customer.complaints.select_related("assignee").order_by("-opened_at")


def customer_answers(customer) -> QuerySet[Answer]:
    return (
        Answer.objects.filter(customer=customer).select_related("invitation__sale").order_by("-answered_at")
    )


def unread_notifications(user):
    from support.models import Notification

    return (
        Notification.objects.filter(user=user, read_at__isnull=True)
        .select_related("complaint")
        .order_by("-created_at")[:10]
    )

"""The message funnel: what became of the follow-up mails planned in the period, per kind."""

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from followups.models import STAFF_KINDS, Kind, Message, MessageEvent, State
from reports import rollups
from reports.metrics import rolled
from reports.metrics.scope import Scope
from reports.rollup_models import MessageDay

# Funnel steps read from the message's events: ESP tracking, plus the engine's own "defer".
EVENT_STEPS = {
    "delivered": "delivered",
    "opened": "opened",
    "clicked": "clicked",
    "bounced": "bounced",
    "unsubscribed": "unsubscribed",
    "defer": "deferred",
}
STEPS = (
    "planned",
    "sent",
    "delivered",
    "opened",
    "clicked",
    "bounced",
    "unsubscribed",
    "deferred",
    "suppressed",
    "cancelled",
    "failed",
)


@dataclass
class Funnel:
    kind: str
    label: str
    steps: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STEPS, 0))
    suppressed_by: dict[str, int] = field(default_factory=dict)
    cancelled_by: dict[str, int] = field(default_factory=dict)

    def rate(self, step: str, of: str = "sent") -> float | None:
        whole = self.steps[of]
        return round(100 * self.steps[step] / whole, 1) if whole else None


def planned_messages(scope: Scope) -> QuerySet[Message]:
    """The customers' mail planned in the period (staff mail, such as this digest, is not)."""
    return (
        Message.objects.filter(created_at__gte=scope.since, created_at__lt=scope.until)
        .exclude(kind__in=STAFF_KINDS)
        .filter(scope.sale_q("sale_id"))
    )


def message_funnel(scope: Scope) -> list[Funnel]:
    """Per kind, of the messages planned (created) in the period: planned, sent, then of those
    the ones with a delivered / opened / clicked / bounced / unsubscribed event (each message once,
    however many events), deferred at least once by a send-time rule, and those suppressed,
    cancelled (each by its reason) or failed. The total row adds the kinds.

    Two queries."""
    labels = dict(Kind.choices)
    funnels: dict[str, Funnel] = {}

    def funnel(kind: str) -> Funnel:
        return funnels.setdefault(kind, Funnel(kind, str(labels.get(kind, kind))))

    if rollups.usable(scope):
        states, events = _rolled_rows(scope)
    else:
        states, events = _live_rows(scope)
    for row in states:
        f = funnel(row["kind"])
        f.steps["planned"] += row["n"]
        f.steps["sent"] += row["sent"]
        by = {State.SUPPRESSED: f.suppressed_by, State.CANCELLED: f.cancelled_by}.get(row["state"])
        if by is not None:
            f.steps[row["state"]] += row["n"]
            by[row["reason"] or "—"] = by.get(row["reason"] or "—", 0) + row["n"]
        elif row["state"] == State.FAILED:
            f.steps["failed"] += row["n"]
    for kind, step, n in events:
        funnel(kind).steps[step] += n
    ordered = [funnels[kind] for kind in Kind.values if kind in funnels]
    if ordered:
        total = Funnel("", str(_("All kinds")))
        for f in ordered:
            for step, n in f.steps.items():
                total.steps[step] += n
            for source, into in (
                (f.suppressed_by, total.suppressed_by),
                (f.cancelled_by, total.cancelled_by),
            ):
                for reason, n in source.items():
                    into[reason] = into.get(reason, 0) + n
        ordered.append(total)
    return ordered


def _live_rows(scope: Scope) -> tuple[list[dict], list[tuple[str, str, int]]]:
    states = (
        planned_messages(scope)
        .values("kind", "state", "reason")
        .annotate(n=Count("pk"), sent=Count("pk", filter=Q(sent_at__isnull=False)))
        .order_by()
    )
    events = (
        MessageEvent.objects.filter(message__in=planned_messages(scope), event__in=list(EVENT_STEPS))
        .values("message__kind", "event")
        .annotate(n=Count("message_id", distinct=True))
        .order_by()
    )
    return list(states), [(row["message__kind"], EVENT_STEPS[row["event"]], row["n"]) for row in events]


def _rolled_rows(scope: Scope) -> tuple[list[dict], list[tuple[str, str, int]]]:
    """The same two lists from the message rollup, in one query."""
    steps = list(EVENT_STEPS.values())
    rows = list(
        rolled.days(MessageDay, scope)
        .values("kind", "state", "reason")
        .annotate(n=Sum("n"), sent=Sum("sent"), **{step: Sum(step) for step in steps})
        .order_by()
    )
    events = [(row["kind"], step, row[step]) for row in rows for step in steps if row[step]]
    return rows, events

"""Send-time rules: checked when a message is about to go out, not only when it was planned,
because consent, suppression and complaints change in between.

Each rule answers send, defer (not now: try again at a given time), suppress (never, with a
reason) or cancel. Deferring is bounded by the message's window: once it expires the message is
cancelled with the reason that kept it back. Everything a batch needs is loaded in a fixed number
of queries (BatchFacts), so checking 100 messages costs the same queries as checking one.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from customers.models import Complaint
from followups import kinds
from followups.models import Category, FollowupRules, Kind, Message, Reason, SendMark, State, Suppression
from postsale.lib.lookups import ids_in
from postsale.lib.zones import zone_or_shop

SURVEY_KINDS = (Kind.SURVEY, Kind.CASE_SURVEY)
# "Not now" pauses that are not tied to a clock time: check again after this long.
RECHECK_COMPLAINT = dt.timedelta(hours=6)
RECHECK_DELIVERY = dt.timedelta(hours=12)
# A deferral always moves the row strictly forward, by at least this much: a rule whose "free
# again at" lands on (or before) the present would otherwise hand the row straight back to the
# dispatcher, which would defer it again, forever.
MIN_DEFER = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Decision:
    action: str  # send | defer | suppress | cancel
    reason: str = ""  # a Reason
    until: dt.datetime | None = None  # defer: the first moment the rule allows
    held_by: str = ""  # cancel as expired: the rule that held it back


SEND = Decision("send")


# Sent mail, as the budget counts it: `sent`, or `sending` with sent_at (a row marked accepted
# before marks had their own table); mail the ESP has and its batch has not recorded yet is read
# from its SendMark (BatchFacts._add_marked; see followups.dispatch).
ACCEPTED = (State.SENT, State.SENDING)


@dataclass
class BatchFacts:
    """What the rules need to know about the customers of one batch."""

    suppressed: dict[tuple[str, str], str] = field(default_factory=dict)  # (email, cat) -> reason
    unresolved: set[int] = field(default_factory=set)  # customer ids with an open case
    recent: dict[int, list[dt.datetime]] = field(default_factory=dict)  # non-transactional sends
    last_survey: dict[int, dt.datetime] = field(default_factory=dict)
    last_sent: dict[int, dt.datetime] = field(default_factory=dict)  # any category, within the gap
    unwanted: dict[int, str] = field(default_factory=dict)  # message id -> Reason (kind owners)

    @classmethod
    def load(cls, messages: list[Message], rules: FollowupRules, now: dt.datetime) -> "BatchFacts":
        customer_ids = {m.customer_id for m in messages if not m.for_staff}
        theirs = ids_in("customer_id", customer_ids)  # one array parameter, not 300
        emails = {m.recipient_email.lower() for m in messages if m.recipient_email}
        facts = cls()
        for email, category, reason in Suppression.objects.filter(email__in=emails).values_list(
            "email", "category", "reason"
        ):
            facts.suppressed[(email, category)] = reason
        facts.unresolved = set(
            Complaint.objects.unresolved()
            .filter(ids_in("customer_id", customer_ids))
            .values_list("customer_id", flat=True)
        )
        # A mail sent exactly one period ago has aged out (frequency_cap frees the slot then).
        since = now - dt.timedelta(days=rules.frequency_period_days)
        # Only a survey within the fatigue window, or a send within the gap, can hold a mail
        # back: older ones need not be loaded. One pass over the customers' recent sent mail
        # (message_customer_sent_idx) serves the three rules.
        survey_since = now - dt.timedelta(days=rules.survey_fatigue_days)
        gap_since = now - dt.timedelta(minutes=rules.min_gap_minutes)
        wanted = (
            (Q(sent_at__gt=since) & ~Q(category=Category.TRANSACTIONAL))
            | Q(kind__in=SURVEY_KINDS, sent_at__gt=survey_since)
            | Q(sent_at__gt=gap_since)
        )
        for customer_id, category, kind, sent_at in Message.objects.filter(
            wanted, theirs, state__in=ACCEPTED, sent_at__gt=min(since, survey_since, gap_since)
        ).values_list("customer_id", "category", "kind", "sent_at"):
            facts._add_sent(customer_id, category, kind, sent_at, since, survey_since, gap_since)
        facts._add_marked(customer_ids, since=since, survey_since=survey_since, gap_since=gap_since)
        facts.unwanted = kinds.unwanted(messages)
        return facts

    def _add_marked(
        self, customer_ids: set[int], *, since: dt.datetime, survey_since: dt.datetime, gap_since: dt.datetime
    ) -> None:
        """Mail the ESP accepted whose batch has not recorded it yet (a SendMark: another worker
        is at work, or one died): sent, as far as the budget is concerned."""
        # Marks belong to rows still `sending` (the batch's record takes them; the recovery
        # sweep drops any other), so they are found from the batch's customers' sending rows,
        # through the small partial index of those, then each mark by its key: never a scan of
        # the marks table, which a busy outbox fills and empties hundreds of times a second and
        # which holds dead rows until vacuum.
        marked = (
            SendMark.objects.filter(
                ids_in("message__customer_id", customer_ids), message__state=State.SENDING
            )
            .values_list("message__customer_id", "message__category", "message__kind", "accepted_at")
            .order_by()
        )
        for customer_id, category, kind, at in marked:
            self._add_sent(customer_id, category, kind, at, since, survey_since, gap_since)

    def _add_sent(self, customer_id, category, kind, at, since, survey_since, gap_since) -> None:
        if category != Category.TRANSACTIONAL and at > since:
            self.recent.setdefault(customer_id, []).append(at)
        if kind in SURVEY_KINDS and at > survey_since:
            self.last_survey[customer_id] = max(at, self.last_survey.get(customer_id, at))
        if at > gap_since:
            self.last_sent[customer_id] = max(at, self.last_sent.get(customer_id, at))

    def note_sent(self, message: Message, at: dt.datetime) -> None:
        """Later messages of the same batch must see this one against the cap and fatigue."""
        if message.category != Category.TRANSACTIONAL:
            self.recent.setdefault(message.customer_id, []).append(at)
        if message.kind in SURVEY_KINDS:
            self.last_survey[message.customer_id] = at
        self.last_sent[message.customer_id] = max(at, self.last_sent.get(message.customer_id, at))


def decide(message: Message, facts: BatchFacts, rules: FollowupRules, now: dt.datetime) -> Decision:
    decision = _first_no(message, facts, rules, now)
    if decision.action == "defer" and decision.until < now + MIN_DEFER:
        decision = Decision("defer", decision.reason, now + MIN_DEFER)
    if decision.action == "defer" and decision.until >= message.expires_at:
        return Decision("cancel", Reason.EXPIRED, held_by=decision.reason)
    if now >= message.expires_at:
        return Decision("cancel", Reason.EXPIRED)
    return decision


def _first_no(message, facts, rules, now) -> Decision:
    if message.for_staff:
        return staff_recipient(message, facts, rules, now)
    for rule in (
        suppression,
        consent,
        unwanted_by_owner,
        stale_delay_notice,
        open_complaint,
        undelivered_order,
        frequency_cap,
        survey_fatigue,
        min_gap,
        quiet_hours,
    ):
        decision = rule(message, facts, rules, now)
        if decision is not SEND:
            return decision
    return SEND


def suppression(message, facts, rules, now) -> Decision:
    customer = message.customer
    if customer.do_not_contact:
        return Decision("suppress", Reason.DO_NOT_CONTACT)
    if not customer.email:
        return Decision("suppress", Reason.NO_EMAIL)
    email = customer.email.lower()
    if (email, "") in facts.suppressed:  # bounced or complained: nothing at all
        return Decision("suppress", facts.suppressed[(email, "")])
    if message.category != Category.TRANSACTIONAL and (email, message.category) in facts.suppressed:
        return Decision("suppress", Reason.UNSUBSCRIBED)
    return SEND


def staff_recipient(message, facts, rules, now) -> Decision:
    """Mail to staff (the weekly digest): none of the customer's rules, only a reachable
    address: an active account with an e-mail that has not bounced or complained."""
    user = message.staff_recipient
    if not user.is_active:
        return Decision("cancel", Reason.DO_NOT_CONTACT)
    if not user.email:
        return Decision("suppress", Reason.NO_EMAIL)
    if (user.email.lower(), "") in facts.suppressed:
        return Decision("suppress", facts.suppressed[(user.email.lower(), "")])
    return SEND


def consent(message, facts, rules, now) -> Decision:
    if message.category == Category.PROMOTIONAL and not message.customer.marketing_consent:
        return Decision("suppress", Reason.NO_CONSENT)
    return SEND


def unwanted_by_owner(message, facts, rules, now) -> Decision:
    """The app that owns the kind says it is moot (a reminder of a survey answered meanwhile)."""
    if message.pk in facts.unwanted:
        return Decision("cancel", facts.unwanted[message.pk])
    return SEND


def stale_delay_notice(message, facts, rules, now) -> Decision:
    """A delay notice must still be true when it leaves: the parcel still late, and its
    estimate still the date the notice announces (else a newer notice says it, or none should)."""
    if message.kind != Kind.DELAY_NOTICE or message.sale_id is None:
        return SEND
    from followups.planner import announced_date

    delivery = getattr(message.sale, "delivery", None)
    if delivery is None or not delivery.is_open:
        return Decision("cancel", Reason.DELIVERED)
    if not delivery.is_late_on(timezone.localdate(now)):
        return Decision("cancel", Reason.NO_LONGER_LATE)
    if message.data.get("new_date") != announced_date(delivery):
        return Decision("cancel", Reason.SUPERSEDED)
    return SEND


def open_complaint(message, facts, rules, now) -> Decision:
    """No offers and no questionnaires while the customer's problem waits."""
    if (
        message.category in (Category.PROMOTIONAL, Category.SURVEY)
        and message.customer_id in facts.unresolved
    ):
        return Decision("defer", Reason.OPEN_COMPLAINT, now + RECHECK_COMPLAINT)
    return SEND


def undelivered_order(message, facts, rules, now) -> Decision:
    """No survey about an order that is still late or undelivered."""
    if message.kind != Kind.SURVEY or message.sale_id is None:
        return SEND
    delivery = getattr(message.sale, "delivery", None)
    if delivery is not None and delivery.is_open:
        return Decision("defer", Reason.ORDER_NOT_DELIVERED, now + RECHECK_DELIVERY)
    return SEND


def frequency_cap(message, facts, rules, now) -> Decision:
    if message.category == Category.TRANSACTIONAL or rules.frequency_cap == 0:
        return SEND
    sent = sorted(facts.recent.get(message.customer_id, []))
    if len(sent) < rules.frequency_cap:
        return SEND
    # Free again once enough of the period's messages have aged out of it.
    oldest_to_expire = sent[len(sent) - rules.frequency_cap]
    return Decision(
        "defer", Reason.FREQUENCY_CAP, oldest_to_expire + dt.timedelta(days=rules.frequency_period_days)
    )


def survey_fatigue(message, facts, rules, now) -> Decision:
    """No delivery survey within the fatigue window after any survey sent to the customer.

    Case surveys are never held back by it: they ask how a problem was handled, a different
    question from the survey that (often) opened the case days before, and they close the
    recovery loop (DESIGN section 4). They do start the window for the next delivery survey.
    One per case is the dedupe key's doing; the frequency cap still counts them. Reminders re-ask
    a question already put, so they are outside it too.
    """
    if message.kind != Kind.SURVEY or message.data.get("reminder_of_invitation"):
        return SEND
    last = facts.last_survey.get(message.customer_id)
    if last and now < last + dt.timedelta(days=rules.survey_fatigue_days):
        return Decision("defer", Reason.SURVEY_FATIGUE, last + dt.timedelta(days=rules.survey_fatigue_days))
    return SEND


def min_gap(message, facts, rules, now) -> Decision:
    """Mails to one customer are spaced: nothing optional within the gap after any mail.

    Transactional mail is never held back (an order update must not wait for a tip) and goes
    first: dispatch.process() takes a batch's transactional rows before the others, so after an
    import the delay notice leaves and the tips and the survey wait the gap.
    """
    if message.category == Category.TRANSACTIONAL or rules.min_gap_minutes == 0:
        return SEND
    last = facts.last_sent.get(message.customer_id)
    free_at = last + dt.timedelta(minutes=rules.min_gap_minutes) if last else None
    if free_at is not None and now < free_at:
        return Decision("defer", Reason.MIN_GAP, free_at)
    return SEND


def customer_zone(message) -> zoneinfo.ZoneInfo:
    return zone_or_shop(message.customer.time_zone)


def quiet_hours(message, facts, rules, now) -> Decision:
    """Nothing at night in the customer's time zone (the shop's when theirs is unknown)."""
    start, end = rules.quiet_hours_start, rules.quiet_hours_end
    if start == end:
        return SEND
    local = now.astimezone(customer_zone(message))
    quiet = (local.hour >= start or local.hour < end) if start > end else start <= local.hour < end
    if not quiet:
        return SEND
    wake = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if wake <= local:
        wake += dt.timedelta(days=1)
    return Decision("defer", Reason.QUIET_HOURS, wake)

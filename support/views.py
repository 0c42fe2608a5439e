"""The support workspace's pages: the queue, a case, its actions, macros and the calendar.

Thin: each view validates a form, calls one service or selector and renders. Actions are plain
POSTs answered with a redirect to the case (htmx boosts them, so the page swaps without a reload;
without JavaScript they work the same).
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import is_manager
from customers import services as cases
from customers.business_calendar import DEFAULT_TARGETS, format_hours, shop_sla
from customers.history import changes
from customers.models import BusinessCalendar, ClosedDay, Complaint
from followups import emails
from followups.models import Kind, Message
from support import forms, selectors, services
from support.history_page import history_page
from support.models import Macro

VIEW = permission_required("customers.view_complaint", raise_exception=True)
CHANGE = permission_required("customers.change_complaint", raise_exception=True)


def _manager_only(view):
    def wrapper(request, *args, **kwargs):
        if not is_manager(request.user):
            return HttpResponse(status=403)
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


@VIEW
def queue(request):
    view = request.GET.get("view", "open")
    if view not in selectors.VIEW_KEYS and view != "unhappy":
        view = "open"
    filters = forms.QueueFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    now = timezone.now()
    context = {
        "views": selectors.VIEWS,
        "view": view,
        "filters": filters,
        "counts": selectors.queue_counts(user=request.user, now=now),
        "now": now,
        "notifications": selectors.unread_notifications(request.user),
    }
    if view == "unhappy":
        context["page"] = Paginator(selectors.unhappy_answers(), selectors.PAGE).get_page(
            request.GET.get("page")
        )
    else:
        rows = selectors.queue(
            view=view,
            user=request.user,
            now=now,
            **{k: chosen.get(k, "") for k in ("severity", "reason", "assignee")},
        )
        context["page"] = Paginator(rows, selectors.PAGE).get_page(request.GET.get("page"))
    template = (
        "support/_queue_rows.html"
        if request.htmx and request.htmx.target == "queue-rows"
        else "support/queue.html"
    )
    return render(request, template, context)


@require_POST
@CHANGE
def take_next(request):
    case = services.case_take_next(user=request.user)
    if case is None:
        messages.info(request, _("No unassigned case is waiting. Well done."))
        return redirect("support:queue")
    return redirect("support:case", case.pk)


def _case_or_404(pk: int) -> Complaint:
    try:
        return selectors.case_for_page(pk)
    except Complaint.DoesNotExist as exc:
        raise Http404 from exc


@VIEW
def case(request, pk: int, forms_with_errors: dict | None = None, status: int = 200):
    complaint = _case_or_404(pk)
    clocks = cases.complaint_clocks(complaint=complaint)
    now = timezone.now()
    given = forms_with_errors or {}
    context = {
        **selectors.case_page(complaint),
        "now": now,
        "clocks": [(c, c.state(now)) for c in clocks.all],
        "state": complaint.sla_state_at(now),
        "macros": Macro.objects.all(),
        "history": changes(_case_history(complaint)),
        "assign_form": given.get("assign") or forms.AssignForm(initial={"assignee": complaint.assignee_id}),
        "status_form": given.get("status") or forms.StatusForm(initial={"status": complaint.status}),
        "severity_form": given.get("severity")
        or forms.SeverityForm(initial={"severity": complaint.severity}),
        "reply_form": given.get("reply") or forms.ReplyForm(),
        "note_form": given.get("note") or forms.NoteForm(),
        "call_form": given.get("call") or forms.CallForm(),
        "compensation_form": given.get("compensate")
        or forms.CompensationForm(
            initial={"kind": complaint.compensation_kind, "amount": complaint.compensation_amount}
        ),
        "resolve_form": given.get("resolve") or forms.ResolveForm(initial={"reason": complaint.reason}),
        "reopen_form": given.get("reopen") or forms.ReopenForm(),
    }
    return render(request, "support/case.html", context, status=status)


def _case_history(complaint: Complaint):
    return complaint.history.select_related("assignee", "sale")


@VIEW
def case_history(request, pk: int):
    complaint = _case_or_404(pk)
    back = reverse("support:case", args=[pk])
    title = _("Case #%(pk)s") % {"pk": pk}
    return history_page(request, _case_history(complaint), title=title, back_url=back)


FORMS = {
    "assign": forms.AssignForm,
    "status": forms.StatusForm,
    "severity": forms.SeverityForm,
    "reply": forms.ReplyForm,
    "note": forms.NoteForm,
    "call": forms.CallForm,
    "compensate": forms.CompensationForm,
    "resolve": forms.ResolveForm,
    "reopen": forms.ReopenForm,
}


def _do(action: str, complaint: Complaint, data: dict, user) -> str:
    """Run one action's service; returns what to tell the user."""
    if action == "assign":
        assignee = get_user_model().objects.filter(pk=data["assignee"]).first() if data["assignee"] else None
        cases.complaint_assign(complaint=complaint, assignee=assignee, author=user)
        return _("Case assigned.")
    if action == "status":
        cases.complaint_status_set(complaint=complaint, status=data["status"], author=user)
        return _("Status changed.")
    if action == "severity":
        cases.complaint_severity_set(complaint=complaint, severity=data["severity"], author=user)
        return _("Severity changed.")
    if action == "reply":
        services.case_reply_send(
            complaint=complaint, text=data["text"], author=user, waiting_customer=data["waiting_customer"]
        )
        return _("Reply sent to the customer.")
    if action in ("note", "call"):
        services.note_or_call_add(
            complaint=complaint,
            text=data.get("text", ""),
            author=user,
            call=action == "call",
            outcome=data.get("outcome", ""),
            minutes=data.get("minutes"),
        )
        return _("Call logged.") if action == "call" else _("Note added.")
    if action == "compensate":
        cases.complaint_compensate(complaint=complaint, kind=data["kind"], amount=data["amount"], author=user)
        return _("Compensation recorded.")
    if action == "resolve":
        cases.complaint_resolve(
            complaint=complaint, resolution_note=data["note"], reason=data["reason"], author=user
        )
        return _("Case resolved.")
    cases.complaint_reopen(complaint=complaint, why=data["why"], author=user)
    return _("Case reopened.")


@require_POST
@CHANGE
def case_action(request, pk: int, action: str):
    if action not in FORMS:
        raise Http404
    complaint = _case_or_404(pk)
    form = FORMS[action](request.POST)
    if not form.is_valid():
        return case(request, pk, forms_with_errors={action: form}, status=400)
    try:
        messages.success(request, _do(action, complaint, form.cleaned_data, request.user))
    except ValidationError as error:
        for text in error.messages:
            form.add_error(None, text)
        return case(request, pk, forms_with_errors={action: form}, status=400)
    return redirect("support:case", pk)


@require_POST
@VIEW
def reply_preview(request, pk: int):
    """The reply as the customer would get it, rendered by the outbox's own renderer."""
    complaint = _case_or_404(pk)
    message = Message(
        pk=0,
        kind=Kind.CASE_REPLY,
        customer=complaint.customer,
        sale=complaint.sale,
        complaint=complaint,
        data={"body": request.POST.get("text", ""), "signature": request.user.get_full_name()},
    )
    rendered = emails.render(message, "preview")
    return render(request, "support/_reply_preview.html", {"rendered": rendered})


@require_POST
@CHANGE
def macro_apply(request, pk: int, macro_pk: int):
    complaint = _case_or_404(pk)
    macro = get_object_or_404(Macro, pk=macro_pk)
    try:
        result = services.macro_apply(macro=macro, complaint=complaint, author=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("support:case", pk)
    messages.success(request, _("Macro applied: %(name)s") % {"name": macro.name})
    if result.go_next:
        following = services.case_take_next(user=request.user)
        if following is not None:
            return redirect("support:case", following.pk)
        return redirect("support:queue")
    return redirect("support:case", pk)


@require_POST
@VIEW
def notification_read(request, pk: int):
    services.notification_read(user=request.user, pk=pk)
    return redirect(request.POST.get("next") or reverse("support:queue"))


@_manager_only
def macros(request, pk: int | None = None):
    macro = get_object_or_404(Macro, pk=pk) if pk else None
    form = forms.MacroForm(request.POST or None, instance=macro)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Macro saved."))
        return redirect("support:macros")
    return render(
        request,
        "support/macros.html",
        {"form": form, "macro": macro, "macros": Macro.objects.all()},
        status=400 if form.errors else 200,
    )


@_manager_only
def calendar(request):
    row = BusinessCalendar.objects.filter(pk=1).first() or BusinessCalendar(pk=1)
    hours = format_hours(shop_sla().calendar.hours)
    targets = {**{k: list(v) for k, v in DEFAULT_TARGETS.items()}, **(row.targets or {})}
    initial = {
        "time_zone": row.time_zone,
        "country": row.country,
        "subdivision": row.subdivision,
        "due_soon_percent": row.due_soon_percent,
        "closed_days": "\n".join(f"{d.date.isoformat()} {d.name}".strip() for d in ClosedDay.objects.all()),
        **{f"hours_{day}": ", ".join(f"{a}-{b}" for a, b in hours.get(str(day), [])) for day in range(7)},
        **{f"target_{k}": " / ".join(f"{h:g}" for h in map(float, v)) for k, v in targets.items()},
    }
    form = forms.CalendarForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.calendar_update(data=form.cleaned_data)
        messages.success(request, _("Calendar saved; open cases' due times are recomputed."))
        return redirect("support:calendar")
    return render(
        request,
        "support/calendar.html",
        {"form": form, "language": translation.get_language()},
        status=400 if form.errors else 200,
    )

"""The customer 360 page: it combines the domain (customers) with the outbox (followups) and
the surveys, so it is assembled here, above all of them, from each app's own reads. Its one-off
mail (preview, then send through the outbox) lives here too."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView
from django_htmx.http import HttpResponseClientRedirect

from customers import forms
from customers.choices import Language
from customers.history import changes
from customers.lifecycle import stage_rules
from customers.models import Customer
from followups import oneoff
from followups.models import Kind, Suppression
from support.forms import OneOffMailForm
from support.history_page import history_page
from surveys.models import Answer

TEMPLATE = "customers/detail.html"


def one_off_form(customer: Customer, data=None, *, sales=None) -> OneOffMailForm:
    initial = {"kind": Kind.SUPPORT_MESSAGE, "nonce": uuid.uuid4().hex}
    return OneOffMailForm(data, customer=customer, sales=sales, initial=initial)


class CustomerDetailView(PermissionRequiredMixin, DetailView):
    """The customer 360: profile, consent and suppression, sales, cases with their SLA, survey
    answers, messages with their events and the timeline, each a fixed number of queries."""

    permission_required = "customers.view_customer"
    raise_exception = True
    model = Customer
    template_name = TEMPLATE

    def get_context_data(self, **kwargs):
        customer = self.object
        sales = list(
            customer.sales.select_related("delivery").prefetch_related("lines").order_by("-ordered_at")[:20]
        )
        mail_form = kwargs.pop("one_off_form", None) or one_off_form(customer, sales=sales)
        return super().get_context_data(
            sales=sales,
            complaints=customer.complaints.select_related("assignee").order_by("-opened_at")[:20],
            answers=Answer.objects.filter(customer=customer)
            .select_related("invitation__sale")
            .order_by("-answered_at")[:20],
            suppressions=Suppression.objects.filter(email=customer.email.lower()) if customer.email else [],
            timeline=customer.timeline.select_related("author")[:50],
            outbox_messages=self._messages(customer),
            stage_rules=stage_rules(),
            note_form=forms.CustomerNoteForm(),
            case_form=forms.CaseOpenForm(),
            consent_form=forms.ConsentForm(initial={"marketing_consent": customer.marketing_consent}),
            one_off_form=mail_form,
            history=changes(customer.history.all()),
            **kwargs,
        )

    @staticmethod
    def _messages(customer):
        # Through the reverse relations only: the domain app imports no app above it (the
        # events' own Meta.ordering sorts them by time).
        return customer.messages.order_by("-planned_at", "-pk").prefetch_related("events")[:20]


@permission_required("customers.view_customer", raise_exception=True)
def customer_history(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    back = reverse("customers:detail", args=[pk])
    return history_page(request, customer.history.all(), title=customer.name, back_url=back)


CHANGE_CUSTOMER = permission_required("customers.change_customer", raise_exception=True)


def _one_off_read(request, customer: Customer):
    """The posted form and, when it holds, the outbox row it describes (not saved)."""
    form = one_off_form(customer, request.POST)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    try:
        message = oneoff.one_off_message(
            customer=customer,
            kind=data["kind"],
            text=data["text"],
            subject=data["subject"],
            sale=data["sale"],
            author=request.user,
        )
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return form, None
    return form, message


def _one_off_again(request, customer: Customer, form, *, status: int, blocked=None):
    """The form again, with what stopped it: the section alone for htmx (answered 200, since
    htmx swaps no 4xx), the whole page otherwise."""
    if request.htmx:
        context = {"customer": customer, "one_off_form": form, "blocked": blocked}
        return render(request, "support/_one_off.html", context)
    view = CustomerDetailView()
    view.setup(request, pk=customer.pk)
    view.object = customer
    context = view.get_context_data(object=customer, one_off_form=form, blocked=blocked)
    return render(request, TEMPLATE, context, status=status)


@CHANGE_CUSTOMER
@require_POST
def one_off_preview(request, pk: int):
    """The mail as the customer would get it, and what the engine's rules say about it now."""
    customer = get_object_or_404(Customer, pk=pk)
    form, message = _one_off_read(request, customer)
    context = {"form": form, "customer": customer}
    if message is not None:
        try:
            context["rendered"] = oneoff.one_off_preview(message)
        except Exception as exc:  # noqa: BLE001 - a manager's template that does not render
            context["preview_error"] = _("This template does not render: %(error)s") % {"error": exc}
        context["verdict"] = oneoff.one_off_check(message)
        context["language"] = Language(Language.of(customer.language)).label
    status = 200 if message is not None or request.htmx else 400
    return render(request, "support/_one_off_preview.html", context, status=status)


@CHANGE_CUSTOMER
@require_POST
def one_off_send(request, pk: int):
    """Queue the mail in the outbox unless a send-time rule blocks it (then nothing is queued
    and the page names the rule)."""
    customer = get_object_or_404(Customer, pk=pk)
    form, message = _one_off_read(request, customer)
    if message is None:
        return _one_off_again(request, customer, form, status=400)
    outcome = oneoff.one_off_send(message=message, author=request.user, nonce=form.cleaned_data["nonce"])
    if outcome.verdict.blocked:
        return _one_off_again(request, customer, form, status=409, blocked=outcome.verdict)
    if outcome.message is None:
        messages.info(request, _("This mail was queued already."))
    elif outcome.verdict.until:
        when = formats.date_format(timezone.localtime(outcome.verdict.until), "SHORT_DATETIME_FORMAT")
        rule = outcome.verdict.label
        messages.success(
            request, _("Mail queued; it leaves at %(when)s (%(rule)s).") % {"when": when, "rule": rule}
        )
    else:
        messages.success(request, _("Mail queued: it leaves in a moment."))
    url = reverse("customers:detail", args=[pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)

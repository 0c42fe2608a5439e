from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from customers import forms, search, services
from customers.models import Customer
from customers.search import customer_search_listed, matches_at_most


class CappedPaginator(Paginator):
    """Counts up to BROAD + 1: an exact count of a million customers, or of a broad search's
    matches, costs as much as reading them all, for a number the page only shows as "more than"."""

    @cached_property
    def count(self):
        return matches_at_most(self.object_list)


class CustomerListView(PermissionRequiredMixin, ListView):
    """Customers, searched by part of the name (accents aside), e-mail, phone or order id."""

    permission_required = "customers.view_customer"
    raise_exception = True  # a user with no role sees no customer data
    template_name = "customers/list.html"
    paginate_by = 50
    paginator_class = CappedPaginator
    broad = False
    matches = None  # the search's capped count, when it searched

    def get_queryset(self):
        found, self.broad, self.matches = customer_search_listed(
            Customer.objects.order_by("name", "pk"), self.request.GET.get("q", "")
        )
        return found

    def get_paginator(self, *args, **kwargs):
        paginator = super().get_paginator(*args, **kwargs)
        if self.matches is not None:
            paginator.count = self.matches  # counted once: 27 ms at a million for a common name
        return paginator

    def get_context_data(self, **kwargs):
        context = super().get_context_data(query=self.request.GET.get("q", ""), broad=self.broad, **kwargs)
        context["more_than"] = search.BROAD if context["paginator"].count > search.BROAD else None
        return context


def _staff_may_change(request) -> bool:
    return request.user.has_perm("customers.change_customer")


@require_POST
def customer_action(request, pk: int, action: str):
    """The 360 page's actions: a note or a call, a new case, consent, pausing all follow-ups."""
    customer = get_object_or_404(Customer, pk=pk)
    if not _staff_may_change(request):
        raise PermissionDenied
    try:
        _run(action, customer, request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("customers:detail", pk)


def _run(action: str, customer: Customer, request) -> None:
    user = request.user
    if action in ("note", "call"):
        form = forms.CustomerNoteForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Write something first."))
        services.note_add(
            customer=customer, text=form.cleaned_data["text"], author=user, call=action == "call"
        )
        messages.success(request, _("Call logged.") if action == "call" else _("Note added."))
    elif action == "case":
        form = forms.CaseOpenForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Choose a reason and a severity."))
        services.complaint_open(customer=customer, author=user, **form.cleaned_data)
        messages.success(request, _("Case opened."))
    elif action == "consent":
        form = forms.ConsentForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Say why consent changes."))
        services.consent_change(
            customer=customer,
            author=user,
            marketing_consent=form.cleaned_data["marketing_consent"],
            source=_("staff: %(why)s") % {"why": form.cleaned_data["why"]},
        )
        messages.success(request, _("Consent recorded."))
    elif action == "pause":
        services.do_not_contact_set(customer=customer, author=user, value=not customer.do_not_contact)
        messages.success(
            request, _("Follow-ups paused.") if not customer.do_not_contact else _("Follow-ups resumed.")
        )
    else:
        raise ValidationError(_("Unknown action."))

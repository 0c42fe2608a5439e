"""The customer 360 page: it combines the domain (customers) with the outbox (followups) and
the surveys, so it is assembled here, above all of them, from each app's own reads."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.views.generic import DetailView

from customers import forms
from customers.lifecycle import stage_rules
from customers.models import Customer
from followups.models import Suppression
from surveys.models import Answer


class CustomerDetailView(PermissionRequiredMixin, DetailView):
    """The customer 360: profile, consent and suppression, sales, cases with their SLA, survey
    answers, messages with their events and the timeline, each a fixed number of queries."""

    permission_required = "customers.view_customer"
    raise_exception = True
    model = Customer
    template_name = "customers/detail.html"

    def get_context_data(self, **kwargs):
        customer = self.object
        return super().get_context_data(
            sales=customer.sales.select_related("delivery")
            .prefetch_related("lines")
            .order_by("-ordered_at")[:20],
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
            **kwargs,
        )

    @staticmethod
    def _messages(customer):
        # Through the reverse relations only: the domain app imports no app above it (the
        # events' own Meta.ordering sorts them by time).
        return customer.messages.order_by("-planned_at", "-pk").prefetch_related("events")[:20]

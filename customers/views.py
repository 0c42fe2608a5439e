from django.db.models import Q
from django.views.generic import DetailView, ListView

from customers.lifecycle import stage_rules
from customers.models import Customer


class CustomerListView(ListView):
    template_name = "customers/list.html"
    paginate_by = 50

    def get_queryset(self):
        qs = Customer.objects.order_by("name", "pk")
        query = self.request.GET.get("q", "").strip()
        if query:
            qs = qs.filter(Q(name__icontains=query) | Q(email__iexact=query)
                           | Q(external_id=query))
        return qs

    def get_context_data(self, **kwargs):
        return super().get_context_data(query=self.request.GET.get("q", ""), **kwargs)


class CustomerDetailView(DetailView):
    model = Customer
    template_name = "customers/detail.html"

    def get_context_data(self, **kwargs):
        customer = self.object
        return super().get_context_data(
            sales=customer.sales.select_related("delivery").order_by("-ordered_at")[:20],
            complaints=customer.complaints.order_by("-opened_at")[:20],
            timeline=customer.timeline.select_related("author")[:50],
            outbox_messages=self._messages(customer), stage_rules=stage_rules(),
            **kwargs)

    @staticmethod
    def _messages(customer):
        # Through the reverse relations only: the domain app imports no app above it (the
        # events' own Meta.ordering sorts them by time).
        return customer.messages.order_by("-planned_at", "-pk").prefetch_related("events")[:20]

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, ListView, TemplateView, UpdateView

from accounts.permissions import ManagerRequiredMixin
from customers.models import Customer
from followups import emails
from followups.forms import FollowupRulesForm, MessageTemplateForm
from followups.models import FollowupRules, Kind, Message, MessageEvent, MessageTemplate, State


class RulesView(ManagerRequiredMixin, UpdateView):
    form_class = FollowupRulesForm
    template_name = "followups/rules.html"
    success_url = reverse_lazy("followups:rules")

    def get_object(self, queryset=None):
        return FollowupRules.current()

    def form_valid(self, form):
        messages.success(self.request, _("Rules saved."))
        return super().form_valid(form)


class OutboxView(PermissionRequiredMixin, ListView):
    """Every planned and sent message with its state and reason; filter by state and kind."""

    permission_required = "followups.view_message"
    raise_exception = True
    template_name = "followups/outbox.html"
    paginate_by = 50

    def get_queryset(self):
        qs = Message.objects.select_related("customer").order_by("-planned_at", "-pk")
        for field in ("state", "kind"):
            if value := self.request.GET.get(field):
                qs = qs.filter(**{field: value})
        if (customer := self.request.GET.get("customer", "")).isdigit():
            qs = qs.filter(customer_id=customer)
        return qs

    def get_context_data(self, **kwargs):
        return super().get_context_data(states=State.choices, kinds=Kind.choices,
                                        filters=self.request.GET.dict(), **kwargs)


class MessageDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "followups.view_message"
    raise_exception = True
    template_name = "followups/message.html"
    queryset = Message.objects.select_related("customer", "sale", "complaint").prefetch_related(
        Prefetch("events", queryset=MessageEvent.objects.order_by("at", "pk")))


class TemplateListView(ManagerRequiredMixin, TemplateView):
    template_name = "followups/templates.html"

    def get_context_data(self, **kwargs):
        overrides = set(MessageTemplate.objects.values_list("kind", "language"))
        rows = [(kind, label, [(lang, (kind, lang) in overrides) for lang in emails.LANGUAGES])
                for kind, label in Kind.choices]
        return super().get_context_data(rows=rows, **kwargs)


class TemplateEditView(ManagerRequiredMixin, UpdateView):
    """Edit a kind's text in one language; the preview renders it for a sample customer."""

    form_class = MessageTemplateForm
    template_name = "followups/template_edit.html"

    def get_object(self, queryset=None):
        kind, language = self.kwargs["kind"], self.kwargs["language"]
        if kind not in Kind.values or language not in emails.LANGUAGES:
            raise Http404
        existing = MessageTemplate.objects.filter(kind=kind, language=language).first()
        return existing or MessageTemplate(kind=kind, language=language,
                                           **emails.shipped_template(kind, language))

    def post(self, request, *args, **kwargs):
        if "reset" in request.POST:
            MessageTemplate.objects.filter(kind=kwargs["kind"], language=kwargs["language"]).delete()
            messages.success(request, _("Back to the shipped template."))
            return redirect(request.path)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        messages.success(self.request, _("Template saved."))
        return super().form_valid(form)

    def get_success_url(self):
        return reverse("followups:template_edit", args=[self.kwargs["kind"], self.kwargs["language"]])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        customer = self._sample_customer()
        template = self.object
        form = context["form"]
        if form.is_bound and form.is_valid():
            template = form.instance
        context.update(sample=customer, preview=emails.preview(template, customer)
                       if customer else None, overridden=self.object.pk is not None)
        return context

    def _sample_customer(self):
        pk = self.request.GET.get("customer", "")
        if pk.isdigit():
            return get_object_or_404(Customer, pk=pk)
        return (Customer.objects.filter(language=self.kwargs["language"], sales__isnull=False)
                .order_by("pk").first() or Customer.objects.order_by("pk").first())

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView, UpdateView

from accounts.permissions import ManagerRequiredMixin
from customers.models import Customer
from followups import drafts, emails
from followups.forms import FollowupRulesForm, MessageTemplateForm
from followups.models import (
    CUSTOMER_KINDS,
    FollowupRules,
    Kind,
    Message,
    MessageEvent,
    MessageTemplate,
    State,
)
from followups.outbox import message_retry


class RulesView(ManagerRequiredMixin, UpdateView):
    form_class = FollowupRulesForm
    template_name = "followups/rules.html"
    success_url = reverse_lazy("followups:rules")

    def get_object(self, queryset=None):
        return FollowupRules.current()

    def form_valid(self, form):
        messages.success(self.request, _("Rules saved."))
        return super().form_valid(form)


class NextPageOnlyPage(Page):
    def __init__(self, object_list, number, paginator, *, has_next: bool):
        super().__init__(object_list, number, paginator)
        self._has_next = has_next

    def has_next(self):
        return self._has_next


class NextPageOnlyPaginator(Paginator):
    """Previous / next without a COUNT(*): a page reads one row more than it shows to know
    whether another follows. At a million messages the count cost more than the page."""

    def validate_number(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(_("That page number is not an integer")) from exc
        if number < 1:
            raise EmptyPage(_("That page number is less than 1"))
        return number

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(_("That page contains no results"))
        return NextPageOnlyPage(rows[: self.per_page], number, self, has_next=len(rows) > self.per_page)


class OutboxView(PermissionRequiredMixin, ListView):
    """Every planned and sent message with its state and reason; filter by state and kind.

    Newest first through message_planned_desc_idx (planned_at desc, id desc), so a page reads 51
    rows of the index, not every message; no page count (NextPageOnlyPaginator)."""

    permission_required = "followups.view_message"
    raise_exception = True
    template_name = "followups/outbox.html"
    paginate_by = 50
    paginator_class = NextPageOnlyPaginator

    def get_queryset(self):
        qs = Message.objects.select_related("customer", "staff_recipient").order_by("-planned_at", "-pk")
        for field in ("state", "kind"):
            if value := self.request.GET.get(field):
                qs = qs.filter(**{field: value})
        if (customer := self.request.GET.get("customer", "")).isdigit():
            qs = qs.filter(customer_id=customer)
        return qs

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            states=State.choices, kinds=Kind.choices, filters=self.request.GET.dict(), **kwargs
        )


class MessageDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "followups.view_message"
    raise_exception = True
    template_name = "followups/message.html"
    queryset = Message.objects.select_related(
        "customer", "staff_recipient", "sale", "complaint"
    ).prefetch_related(Prefetch("events", queryset=MessageEvent.objects.order_by("at", "pk")))


class TemplateListView(ManagerRequiredMixin, TemplateView):
    template_name = "followups/templates.html"

    def get_context_data(self, **kwargs):
        overrides = set(MessageTemplate.objects.values_list("kind", "language"))
        rows = [
            (kind, label, [(lang, (kind, lang) in overrides) for lang in emails.LANGUAGES])
            for kind, label in ((k.value, k.label) for k in CUSTOMER_KINDS)
        ]
        return super().get_context_data(rows=rows, **kwargs)


class TemplateEditView(ManagerRequiredMixin, UpdateView):
    """Edit a kind's mail in one language. "Preview" renders the posted draft exactly as it
    would be sent, without saving; "Save and publish" stores it once it renders for every
    sample customer. Without a draft the page previews the live mail (override or shipped)."""

    form_class = MessageTemplateForm
    template_name = "followups/template_edit.html"

    @cached_property
    def live(self) -> MessageTemplate | None:
        """The override in the database, as saved."""
        return MessageTemplate.objects.filter(
            kind=self.kwargs["kind"], language=self.kwargs["language"]
        ).first()

    def get_object(self, queryset=None):
        # A copy of its own: the form writes the posted (perhaps broken) draft into its instance,
        # and the live template must stay as saved.
        kind, language = self.kwargs["kind"], self.kwargs["language"]
        if kind not in CUSTOMER_KINDS or language not in emails.LANGUAGES:
            raise Http404
        if self.live is not None:
            return MessageTemplate.objects.get(pk=self.live.pk)
        return MessageTemplate(kind=kind, language=language, **emails.shipped_template(kind, language))

    def post(self, request, *args, **kwargs):
        if "reset" in request.POST:
            MessageTemplate.objects.filter(kind=kwargs["kind"], language=kwargs["language"]).delete()
            messages.success(request, _("Back to the shipped template."))
            return redirect(request.get_full_path())
        self.object = self.get_object()
        form = self.get_form()
        if not form.is_valid():
            return self.form_invalid(form)
        if "preview" in request.POST:
            return self.render_to_response(self.get_context_data(form=form, draft=form.instance))
        return self.form_valid(form)

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Template published: mail of this kind uses it now."))
        for warning in form.warnings:
            messages.warning(self.request, warning)
        return response

    def get_success_url(self):
        return self.request.get_full_path()

    def get_context_data(self, draft=None, **kwargs):
        context = super().get_context_data(**kwargs)
        sample = self._sample()
        shown = draft if draft is not None else self.live
        try:
            preview, preview_error = emails.preview(sample, self.kwargs["language"], shown), ""
        except Exception as exc:  # a broken template saved before checks existed: say so, no 500
            preview, preview_error = None, drafts.describe(exc)
        context.update(
            sample=sample.customer,
            preview=preview,
            preview_error=preview_error,
            draft=draft is not None,
            overridden=self.live is not None,
            warnings=context["form"].warnings if draft is not None else [],
            variables=drafts.variables(self.kwargs["kind"]),
        )
        return context

    def _sample(self):
        kind, language = self.kwargs["kind"], self.kwargs["language"]
        pk = self.request.GET.get("customer", "")
        if pk.isdigit():
            return drafts.for_customer(kind, get_object_or_404(Customer, pk=pk))
        customer = (
            Customer.objects.filter(language=language, sales__isnull=False).order_by("pk").first()
            or Customer.objects.order_by("pk").first()
        )
        return drafts.for_customer(kind, customer) if customer else drafts.made_up(kind, language)


class MessageRetryView(PermissionRequiredMixin, View):
    """Staff send a failed message again (POST only), once its cause is fixed."""

    permission_required = "followups.change_message"
    raise_exception = True
    http_method_names = ["post"]

    def post(self, request, pk):
        message = get_object_or_404(Message, pk=pk)
        try:
            message_retry(message=message, author=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The message is back in the outbox and goes out shortly."))
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = reverse("followups:message", args=[pk])
        return redirect(back)

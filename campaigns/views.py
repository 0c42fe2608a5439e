from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from accounts.permissions import ManagerRequiredMixin
from campaigns import selectors, services
from campaigns.forms import CampaignForm
from campaigns.models import Campaign, Group, Status
from customers.models import Customer
from followups import drafts, emails
from followups.models import EventKind, Kind, Message, State


class CampaignListView(ManagerRequiredMixin, ListView):
    template_name = "campaigns/list.html"
    paginate_by = 50
    queryset = Campaign.objects.annotate(
        sent_group=Count("members", filter=Q(members__group=Group.SENT)),
        holdout_group=Count("members", filter=Q(members__group=Group.HOLDOUT)),
    ).order_by("-created_at", "-pk")


class CampaignCreateView(ManagerRequiredMixin, CreateView):
    form_class = CampaignForm
    template_name = "campaigns/form.html"

    def form_valid(self, form):
        form.instance.created_by = self.request.user
        messages.success(self.request, _("Campaign saved as a draft. Check its audience, then launch it."))
        return super().form_valid(form)

    def get_success_url(self):
        return reverse("campaigns:detail", args=[self.object.pk])


class CampaignEditView(ManagerRequiredMixin, UpdateView):
    """Only a draft's rules and texts change: a launched campaign's draw and mails stand."""

    form_class = CampaignForm
    template_name = "campaigns/form.html"
    queryset = Campaign.objects.filter(status=Status.DRAFT)

    def get_success_url(self):
        return reverse("campaigns:detail", args=[self.object.pk])


class CampaignDetailView(ManagerRequiredMixin, DetailView):
    """The audience now (size, sample, who the rules hold back and why), the mail as a sample
    customer would get it in each language, and the launch or stop button."""

    template_name = "campaigns/detail.html"
    queryset = Campaign.objects.all()

    def get_context_data(self, **kwargs):
        campaign = self.object
        preview = selectors.audience_preview(campaign)
        mails = [
            (language, self._preview(campaign, language, preview["sample"])) for language in emails.LANGUAGES
        ]
        groups = dict(
            campaign.members.order_by().values("group").annotate(n=Count("pk")).values_list("group", "n")
        )
        return super().get_context_data(preview=preview, mails=mails, groups=groups, **kwargs)

    @staticmethod
    def _preview(campaign, language, sample):
        customer = next((c for c in sample if c.language == language), None) or (
            Customer(name="Ana Pérez" if language == "es" else "Ann Parker", language=language)
        )
        message = Message(kind=Kind.CAMPAIGN, customer=customer, data={"campaign": campaign.pk})
        try:
            return emails.preview(message, language, None), ""
        except Exception as exc:  # a text saved before it was checked: say so, no 500
            return None, drafts.describe(exc)


class CampaignResultsView(ManagerRequiredMixin, DetailView):
    template_name = "campaigns/results.html"
    queryset = Campaign.objects.all()

    def get_context_data(self, **kwargs):
        results = selectors.campaign_results(self.object)
        return super().get_context_data(
            results=results,
            groups=[
                (Group.SENT, _("Sent group"), results.sent),
                (Group.HOLDOUT, _("Holdout"), results.holdout),
            ],
            uplifts=[
                (_("Bought again within 30 days"), results.uplift_30),
                (_("Bought again within 90 days"), results.uplift_90),
            ],
            states=[
                (label, results.messages.get(value, 0))
                for value, label in State.choices
                if value in results.messages or value == State.SENT
            ],
            events=[(EventKind(event).label, n) for event, n in results.events.items()],
            **kwargs,
        )


class CampaignActionView(ManagerRequiredMixin, View):
    """Launch or stop (POST only)."""

    http_method_names = ["post"]
    action = ""

    def post(self, request, pk):
        campaign = get_object_or_404(Campaign, pk=pk)
        try:
            if self.action == "launch":
                drawn = services.campaign_launch(campaign=campaign)
                messages.success(
                    request,
                    _("Campaign launched: %(n)d customers drawn into the sent and holdout groups.")
                    % {"n": drawn},
                )
            else:
                cancelled = services.campaign_stop(campaign=campaign)
                messages.success(
                    request,
                    _("Campaign stopped: %(n)d mails not yet sent were cancelled.") % {"n": cancelled},
                )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("campaigns:detail", pk=pk)

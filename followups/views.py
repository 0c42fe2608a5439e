from django.contrib import messages
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import UpdateView

from accounts.permissions import ManagerRequiredMixin
from followups.forms import FollowupRulesForm
from followups.models import FollowupRules


class RulesView(ManagerRequiredMixin, UpdateView):
    form_class = FollowupRulesForm
    template_name = "followups/rules.html"
    success_url = reverse_lazy("followups:rules")

    def get_object(self, queryset=None):
        return FollowupRules.current()

    def form_valid(self, form):
        messages.success(self.request, _("Rules saved."))
        return super().form_valid(form)

"""The managers' usage tips page: tips per product category and language, shipped or edited."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView

from accounts.permissions import ManagerRequiredMixin
from followups import tips
from followups.forms import UsageTipCategoryForm, UsageTipForm
from followups.models import UsageTip


class TipListView(ManagerRequiredMixin, TemplateView):
    template_name = "followups/tips.html"

    def get(self, request, *args, **kwargs):
        form = UsageTipCategoryForm(request.GET or None)
        if form.is_valid():  # "tips for another category": straight to its edit page
            return redirect(
                "followups:tip_edit", form.cleaned_data["category"], form.cleaned_data["language"]
            )
        context = self.get_context_data(rows=tips.tips_rows(), add_form=form, **kwargs)
        return self.render_to_response(context, status=400 if form.is_bound else 200)


class TipEditView(ManagerRequiredMixin, FormView):
    """Edit one category's tips in one language; reset goes back to the shipped text."""

    form_class = UsageTipForm
    template_name = "followups/tip_edit.html"

    def dispatch(self, request, *args, **kwargs):
        self.key, self.language = kwargs["category"], kwargs["language"]
        if self.language not in tips.LANGUAGES or tips.category_key(self.key) != self.key:
            raise Http404
        self.edited = UsageTip.objects.filter(category=self.key, language=self.language).first()
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        shipped = tips.shipped_tips(self.key, self.language)
        return {
            "text": self.edited.text if self.edited else shipped or tips.tips_for(tips.GENERIC, self.language)
        }

    def post(self, request, *args, **kwargs):
        if "reset" in request.POST:
            tips.usage_tip_reset(category=self.key, language=self.language)
            messages.success(request, _("Back to the shipped tips."))
            return redirect(request.path)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        tips.usage_tip_save(category=self.key, language=self.language, text=form.cleaned_data["text"])
        messages.success(self.request, _("Tips saved."))
        return redirect(reverse("followups:tip_edit", args=[self.key, self.language]))

    def get_context_data(self, **kwargs):
        shipped = tips.shipped_tips(self.key, self.language)
        return super().get_context_data(
            key=self.key,
            language=self.language,
            edited=self.edited is not None,
            shipped=shipped is not None or self.key == tips.GENERIC,
            **kwargs,
        )

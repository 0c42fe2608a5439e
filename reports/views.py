"""The retention dashboard: an overview and a page per area, each table exportable as CSV."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from accounts.permissions import ManagerRequiredMixin
from customers.choices import Channel
from customers.models import Customer
from reports import metrics, pages, rollups, tables
from reports.dashboard_models import DigestPreference
from reports.forms import DigestForm, ScopeForm, default_scope, preset_links
from reports.snapshots import snapshot


class ScopedMixin(ManagerRequiredMixin):
    """Reads the period and filters from the query string; a bad one is shown as a form error
    and the default period is used instead."""

    area = "retention"

    def dispatch(self, request, *args, **kwargs):
        self.form = ScopeForm(request.GET or None)
        self.scope = self.form.scope() if self.form.is_valid() else default_scope()
        if not request.GET:
            self.form = ScopeForm(initial={"start": self.scope.start, "end": self.scope.end})
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        query = self.request.GET.urlencode()
        kwargs.setdefault("as_of", timezone.now())
        return super().get_context_data(
            form=self.form,
            scope=self.scope,
            previous=self.scope.previous(),
            area=self.area,
            areas=[(key, label, reverse(f"reports:{key}")) for key, label in pages.AREAS],
            presets=preset_links(self.scope),
            query=query,
            channel_label=dict(Channel.choices).get(self.scope.channel, ""),
            **kwargs,
        )


class RetentionView(ScopedMixin, TemplateView):
    """The overview: key numbers, their change against the previous period, their trend."""

    template_name = "reports/overview.html"

    def get_context_data(self, **kwargs):
        preference = DigestPreference.objects.filter(user=self.request.user).first()
        digest_form = DigestForm(
            initial={
                "language": preference.language if preference else self.request.LANGUAGE_CODE,
                "enabled": preference.enabled if preference else True,
            }
        )
        numbers = snapshot("retention", self.scope, lambda: pages.overview(self.scope))
        return super().get_context_data(digest_form=digest_form, **numbers, **kwargs)


class AreaView(ScopedMixin, TemplateView):
    def get_template_names(self):
        return [f"reports/{self.area}.html"]

    def get_context_data(self, **kwargs):
        params = self.request.GET
        extra = "|".join(params.get(key, "") for key in ("feeling", "reason")).strip("|")
        numbers = snapshot(
            self.area, self.scope, lambda: pages.BUILDERS[self.area](self.scope, params), extra=extra
        )
        return super().get_context_data(**numbers, **kwargs)


class SegmentCustomersView(ScopedMixin, ListView):
    """The customers of one RFM segment, most valuable first."""

    template_name = "reports/segment.html"
    paginate_by = 50
    area = "purchases"

    def get_queryset(self):
        if self.kwargs["segment"] not in metrics.purchases.SEGMENT_NAMES:
            raise Http404
        with rollups.pinned():
            self.ids = metrics.rfm_customer_ids(self.scope, self.kwargs["segment"])
        return self.ids

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page_ids = list(context["object_list"])
        found = Customer.objects.in_bulk(page_ids)
        context.update(
            segment=metrics.purchases.SEGMENT_NAMES[self.kwargs["segment"]],
            customers=[found[pk] for pk in page_ids if pk in found],
            total=len(self.ids),
        )
        return context


class ExportView(ScopedMixin, TemplateView):
    """GET /reports/export/<table>.csv with the page's query string: that table, as CSV."""

    def get(self, request, *args, **kwargs):
        if not self.form.is_valid() and request.GET:
            return HttpResponse(
                "; ".join(m for ms in self.form.errors.values() for m in ms),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        builder = tables.EXPORTS.get(kwargs["table"])
        if builder is None:
            raise Http404
        with rollups.pinned():
            table = builder(self.scope, request.GET)
        response = HttpResponse(tables.to_csv(table), content_type="text/csv; charset=utf-8")
        name = f"{table.name}_{self.scope.start}_{self.scope.end}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class DigestPreferenceView(ManagerRequiredMixin, View):
    """POST: the manager's weekly digest language, or no digest at all."""

    def post(self, request):
        form = DigestForm(request.POST)
        if not form.is_valid():
            return HttpResponse(
                "; ".join(m for ms in form.errors.values() for m in ms),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        DigestPreference.objects.update_or_create(user=request.user, defaults=form.cleaned_data)
        messages.success(request, _("Weekly digest settings saved."))
        return redirect("reports:retention")

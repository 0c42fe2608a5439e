"""The purchase model's report: customers at risk, the fit and its holdout check."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from accounts.permissions import ManagerRequiredMixin
from reports import predictions
from reports.charts import HEIGHT, WIDTH, histogram_bars
from reports.exports import at_risk_csv
from reports.forms import ThresholdForm
from reports.models import PredictionSettings, PurchaseModelFit
from reports.reasons import fit_status_text


class KnownCountPaginator(Paginator):
    """The fit keeps the at-risk count current (refit and threshold change write both in one
    transaction), so a page needs no COUNT over 200,000 flagged rows."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self.known_count = count

    @property
    def count(self) -> int:
        return self.known_count


COLUMNS = [  # (heading, sort key, first direction when chosen)
    (gettext_lazy("Customer"), "name", ""),
    (gettext_lazy("P(alive)"), "p_alive", ""),
    (gettext_lazy("Expected purchases, 52 weeks"), "expected_52w", "-"),
    (gettext_lazy("Expected value, 52 weeks"), "value", "-"),
    (gettext_lazy("Spend"), "spend", "-"),
    (gettext_lazy("Repeat purchases"), "purchases", "-"),
    (gettext_lazy("Weeks without buying"), "silent", "-"),
]


def sort_links(sort: str) -> list[dict]:
    """Each heading's link: its first direction, or the other one when it is already chosen."""
    links = []
    for label, key, first in COLUMNS:
        chosen = sort.removeprefix("-") == key
        flip = "" if sort.startswith("-") else "-"
        links.append(
            {
                "label": label,
                "sort": (flip if chosen else first) + key,
                "chosen": chosen,
                "descending": chosen and sort.startswith("-"),
            }
        )
    return links


class AtRiskView(ManagerRequiredMixin, TemplateView):
    """The customers the purchase model flags at risk, the fit behind it and its holdout check;
    ?format=csv exports the whole list in the chosen order."""

    template_name = "reports/at_risk.html"
    paginate_by = 50

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "csv":
            return at_risk_csv(predictions.at_risk_list(self._sort()))
        return super().get(request, *args, **kwargs)

    def _sort(self) -> str:
        sort = self.request.GET.get("sort", "-value")
        return sort if sort.removeprefix("-") in predictions.AT_RISK_SORTS else "-value"

    def get_context_data(self, **kwargs):
        fit, attempt = predictions.latest_fit(), predictions.latest_fit(in_force=False)
        failed = attempt if attempt and attempt != fit else None
        sort = self._sort()
        paginator = KnownCountPaginator(
            predictions.at_risk_list(sort), self.paginate_by, count=fit.at_risk if fit else 0
        )
        page = paginator.get_page(self.request.GET.get("page"))
        threshold = PredictionSettings.current().at_risk_threshold
        return super().get_context_data(
            fit=fit,
            fit_ok=fit is not None and fit.status == PurchaseModelFit.Status.OK,
            fit_message=fit_status_text(fit) if fit else "",
            page_obj=page,
            sort=sort,
            failed=failed,
            failed_message=fit_status_text(failed) if failed else "",
            columns=sort_links(sort),
            bars=histogram_bars(fit.p_alive_histogram if fit else [], threshold),
            chart_width=WIDTH,
            chart_height=HEIGHT,
            form=kwargs.pop("form", None) or ThresholdForm(initial={"at_risk_threshold": threshold}),
            **kwargs,
        )


class ThresholdView(ManagerRequiredMixin, FormView):
    form_class = ThresholdForm
    http_method_names = ["post"]

    def form_valid(self, form):
        threshold = form.cleaned_data["at_risk_threshold"]
        predictions.prediction_threshold_set(threshold=threshold)
        messages.success(
            self.request, _("Customers below P(alive) %(t)s are now at risk.") % {"t": f"{threshold:g}"}
        )
        return redirect("reports:at_risk")

    def form_invalid(self, form):
        view = AtRiskView(request=self.request, args=(), kwargs={})
        return view.render_to_response(view.get_context_data(form=form), status=400)

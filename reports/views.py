from django.views.generic import TemplateView

from accounts.permissions import ManagerRequiredMixin
from customers.choices import LifecycleStage
from reports import metrics


class RetentionView(ManagerRequiredMixin, TemplateView):
    template_name = "reports/retention.html"

    def get_context_data(self, **kwargs):
        by_stage = metrics.customers_by_stage()
        stages = [(label, by_stage.get(value, 0)) for value, label in LifecycleStage.choices]
        return super().get_context_data(repeat_rate=metrics.repeat_purchase_rate(),
                                        stages=stages, **kwargs)

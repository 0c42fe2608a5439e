"""{% customer_prediction customer %}: the purchase model's view of one customer, for their page."""

from django import template

from reports import predictions
from reports.charts import trend_points
from reports.models import CustomerPrediction, PurchaseModelFit
from reports.reasons import fit_status_text

register = template.Library()


@register.inclusion_tag("reports/_customer_prediction.html")
def customer_prediction(customer):
    """Three queries whatever the customer: the score, its weekly history, and (with no score)
    the latest fit, to say why there is none."""
    score = CustomerPrediction.objects.filter(customer=customer).first()
    fit = None if score else predictions.latest_fit()
    message = ""
    if fit and fit.status != PurchaseModelFit.Status.OK:
        message = fit_status_text(fit)
    points = predictions.trend(customer.pk, score) if score else []
    return {"score": score, "fit": fit, "message": message, "trend": trend_points(points)}

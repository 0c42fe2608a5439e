from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.RetentionView.as_view(), name="retention"),
    path("at-risk/", views.AtRiskView.as_view(), name="at_risk"),
    path("at-risk/threshold/", views.ThresholdView.as_view(), name="at_risk_threshold"),
]

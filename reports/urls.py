from django.urls import path

from reports import views, views_at_risk

app_name = "reports"
urlpatterns = [
    path("", views.RetentionView.as_view(), name="retention"),
    path("satisfaction/", views.AreaView.as_view(area="satisfaction"), name="satisfaction"),
    path("purchases/", views.AreaView.as_view(area="purchases"), name="purchases"),
    path("purchases/segment/<slug:segment>/", views.SegmentCustomersView.as_view(), name="segment"),
    path("delivery/", views.AreaView.as_view(area="delivery"), name="delivery"),
    path("cases/", views.AreaView.as_view(area="cases"), name="cases"),
    path("messages/", views.AreaView.as_view(area="messages"), name="messages"),
    path("digest/", views.DigestPreferenceView.as_view(), name="digest"),
    path("export/<slug:table>.csv", views.ExportView.as_view(), name="export"),
    path("at-risk/", views_at_risk.AtRiskView.as_view(), name="at_risk"),
    path("at-risk/threshold/", views_at_risk.ThresholdView.as_view(), name="at_risk_threshold"),
]

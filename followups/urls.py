from django.urls import path

from followups import views, views_tips

app_name = "followups"
urlpatterns = [
    path("rules/", views.RulesView.as_view(), name="rules"),
    path("messages/", views.OutboxView.as_view(), name="outbox"),
    path("messages/<int:pk>/", views.MessageDetailView.as_view(), name="message"),
    path("messages/<int:pk>/retry/", views.MessageRetryView.as_view(), name="message_retry"),
    path("templates/", views.TemplateListView.as_view(), name="templates"),
    path("templates/<str:kind>/<str:language>/", views.TemplateEditView.as_view(), name="template_edit"),
    path("tips/", views_tips.TipListView.as_view(), name="tips"),
    path("tips/<str:category>/<str:language>/", views_tips.TipEditView.as_view(), name="tip_edit"),
]

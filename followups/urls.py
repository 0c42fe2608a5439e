from django.urls import path

from followups import views

app_name = "followups"
urlpatterns = [path("rules/", views.RulesView.as_view(), name="rules")]

"""Customers' survey and order pages, included at /c/ (see surveys.views)."""

from django.urls import path

from surveys import views

app_name = "survey"
urlpatterns = [
    path("s/<str:token>/", views.answer, name="answer"),
    path("s/<str:token>/thanks/", views.thanks, name="thanks"),
    path("o/<str:token>/", views.order, name="order"),
]

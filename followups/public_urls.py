from django.urls import path

from followups import public_views

app_name = "mail"
urlpatterns = [
    path("u/<str:token>/", public_views.unsubscribe, name="unsubscribe"),
    path("p/<str:token>/", public_views.preferences, name="preferences"),
    path("d/<str:token>/", public_views.delay, name="delay"),
]

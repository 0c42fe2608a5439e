from django.urls import path

from campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.CampaignListView.as_view(), name="list"),
    path("new/", views.CampaignCreateView.as_view(), name="create"),
    path("<int:pk>/", views.CampaignDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.CampaignEditView.as_view(), name="edit"),
    path("<int:pk>/results/", views.CampaignResultsView.as_view(), name="results"),
    path("<int:pk>/launch/", views.CampaignActionView.as_view(action="launch"), name="launch"),
    path("<int:pk>/stop/", views.CampaignActionView.as_view(action="stop"), name="stop"),
]

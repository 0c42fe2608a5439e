from django.urls import path

from customers import views, views_import

app_name = "customers"
urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    path("<int:pk>/<slug:action>/", views.customer_action, name="action"),
    path("import/", views_import.SalesImportView.as_view(), name="import"),
    path("import/<int:pk>/", views_import.ImportJobView.as_view(), name="import_job"),
    path("import/<int:pk>/confirm/", views_import.ImportConfirmView.as_view(), name="import_confirm"),
    path("import/<int:pk>/discard/", views_import.ImportDiscardView.as_view(), name="import_discard"),
]

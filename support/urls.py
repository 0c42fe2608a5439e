from django.urls import path

from support import views

app_name = "support"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("take-next/", views.take_next, name="take_next"),
    path("cases/<int:pk>/", views.case, name="case"),
    path("cases/<int:pk>/history/", views.case_history, name="case_history"),
    path("cases/<int:pk>/preview/", views.reply_preview, name="reply_preview"),
    path("cases/<int:pk>/macro/<int:macro_pk>/", views.macro_apply, name="macro_apply"),
    path("cases/<int:pk>/<slug:action>/", views.case_action, name="case_action"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("macros/", views.macros, name="macros"),
    path("macros/<int:pk>/", views.macros, name="macro_edit"),
    path("calendar/", views.calendar, name="calendar"),
]

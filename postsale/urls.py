from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import views as accounts_views
from customers import urls as customer_urls
from postsale import health, views
from postsale.api_router import router
from postsale.lib import esp_webhooks
from reports.api_metrics import MetricsView
from support.customer_page import CustomerDetailView, customer_history, one_off_preview, one_off_send

customer_patterns = [
    path("<int:pk>/", CustomerDetailView.as_view(), name="detail"),
    path("<int:pk>/one-off/preview/", one_off_preview, name="one_off_preview"),
    path("<int:pk>/one-off/send/", one_off_send, name="one_off_send"),
    path("<int:pk>/history/", customer_history, name="history"),
    *customer_urls.urlpatterns,
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # before Django's auth URLs: the reset form with its rate limit, the managers' unlock page
    path(
        "accounts/password_reset/", accounts_views.ThrottledPasswordResetView.as_view(), name="password_reset"
    ),
    path("accounts/lockouts/", accounts_views.LockoutListView.as_view(), name="lockouts"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # only the ESPs in WEBHOOK_ESPS answer; the others are 404 (see postsale/lib/esp_webhooks.py)
    path("anymail/", include((esp_webhooks.urlpatterns(), "anymail"))),
    # The customer page combines apps, so it lives in support/ (see support/customer_page.py),
    # under the customers namespace like the rest of the customer pages.
    path("customers/", include((customer_patterns, "customers"))),
    path("support/", include("support.urls")),
    path("followups/", include("followups.urls")),
    path("reports/", include("reports.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("c/", include("followups.public_urls")),
    path("c/", include("surveys.public_urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/metrics/", MetricsView.as_view(), name="api-metrics"),
    path("api/v1/", include(router.urls)),
]

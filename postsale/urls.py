from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from postsale import health, views
from postsale.api_router import router

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("anymail/", include("anymail.urls")),
    path("customers/", include("customers.urls")),
    path("followups/", include("followups.urls")),
    path("reports/", include("reports.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("c/", include("followups.public_urls")),
    path("c/", include("surveys.public_urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include(router.urls)),
]

"""The one router of the REST API under /api/v1/: each app registers its viewsets here."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

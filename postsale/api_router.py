"""The one router of the REST API under /api/v1/: each app registers its viewsets here."""

from rest_framework.routers import DefaultRouter

from campaigns.api.views import CampaignViewSet
from customers.api import views as customers
from followups.api.views import MessageViewSet
from surveys.api.views import AnswerViewSet

router = DefaultRouter()
router.register("customers", customers.CustomerViewSet, basename="customer")
router.register("sales", customers.SaleViewSet, basename="sale")
router.register("deliveries", customers.DeliveryViewSet, basename="delivery")
router.register("complaints", customers.ComplaintViewSet, basename="complaint")
router.register("survey-answers", AnswerViewSet, basename="survey-answer")
router.register("messages", MessageViewSet, basename="message")
router.register("campaigns", CampaignViewSet, basename="campaign")

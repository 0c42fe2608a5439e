"""The vocabularies of the domain, shared by models, forms, the API and the import."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    """The languages Postsale speaks: to customers (mails, public pages) and to staff.
    settings.LANGUAGES lists the same codes (a test says so)."""

    ES = "es", _("Spanish")
    EN = "en", _("English")

    @classmethod
    def of(cls, code: str | None) -> str:
        """A customer's or a message's language, or the shop's when it is not one we speak."""
        from django.conf import settings

        return code if code in _LANGUAGE_CODES else settings.LANGUAGE_CODE


# Language.values builds a new list on every call; `of` runs for every mail and page.
_LANGUAGE_CODES = frozenset(Language.values)


class LifecycleStage(models.TextChoices):
    NEW = "new", _("New")
    ACTIVE = "active", _("Active")
    LOYAL = "loyal", _("Loyal")
    AT_RISK = "at_risk", _("At risk")
    LOST = "lost", _("Lost")


class Feeling(models.TextChoices):
    """How the customer's latest answer to us felt: a detractor, a promoter or in between."""

    UNHAPPY = "unhappy", _("Unhappy")
    NEUTRAL = "neutral", _("Neutral")
    HAPPY = "happy", _("Happy")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    STORE = "store", _("Store")
    PHONE = "phone", _("Phone")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    IN_TRANSIT = "in_transit", _("In transit")
    DELAYED = "delayed", _("Delayed")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    RETURNED = "returned", _("Returned")


class DelayReason(models.TextChoices):
    CARRIER = "carrier", _("Carrier incident")
    STOCK = "stock", _("Out of stock")
    WEATHER = "weather", _("Weather")
    ADDRESS = "address", _("Address problem")
    CUSTOMS = "customs", _("Customs")
    VOLUME = "volume", _("High order volume")
    OTHER = "other", _("Other")


class Reason(models.TextChoices):
    """Why a customer is unhappy: one taxonomy for complaints and survey answers."""

    PRICE_CHANGED = "price_changed", _("Price changed after purchase")
    NOT_NEEDED = "not_needed", _("Purchase was not needed")
    WORSE_THAN_EXPECTED = "worse_than_expected", _("Product worse than expected")
    WRONG_OPTION = "wrong_option", _("Chose the wrong option")
    BETTER_ALTERNATIVE = "better_alternative", _("Found a better alternative after buying")
    UNPROFESSIONAL_ADVICE = "unprofessional_advice", _("Advice felt unprofessional")
    FEATURES_NOT_AS_DESCRIBED = "features_not_as_described", _("Features not as described")
    SLOW_ANSWERS = "slow_answers", _("Slow answers to questions or problems")
    ANXIOUS_OR_HURRY = "anxious_or_hurry", _("Customer anxious or in a hurry")
    DELIVERY_LATE = "delivery_late", _("Delivery late")
    DELIVERY_DAMAGED = "delivery_damaged", _("Delivery damaged or wrong")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


UNRESOLVED_STATUSES = (
    ComplaintStatus.OPEN,
    ComplaintStatus.IN_PROGRESS,
    ComplaintStatus.WAITING_CUSTOMER,
)


class ComplaintSource(models.TextChoices):
    STAFF = "staff", _("Opened by staff")
    API = "api", _("API")
    SURVEY = "survey", _("Unhappy survey answer")
    DELAY_NOTICE = "delay_notice", _("Delay notice answer")
    EMAIL = "email", _("Customer e-mail")
    STUCK_PARCEL = "stuck_parcel", _("Parcel not moving")


class CompensationKind(models.TextChoices):
    DISCOUNT = "discount", _("Discount")
    REFUND = "refund", _("Refund")
    VOUCHER = "voucher", _("Voucher")
    FREE_SHIPPING = "free_shipping", _("Free shipping")
    GIFT = "gift", _("Gift")


class TimelineKind(models.TextChoices):
    SALE = "sale", _("Sale")
    DELIVERY = "delivery", _("Delivery")
    MESSAGE = "message", _("Message")
    SURVEY_ANSWER = "survey_answer", _("Survey answer")
    COMPLAINT = "complaint", _("Complaint")
    NOTE = "note", _("Note")
    CALL = "call", _("Call")
    REPLY = "reply", _("Reply")
    CONSENT = "consent", _("Consent")
    DELAY_CHOICE = "delay_choice", _("Delay choice")

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from customers import services
from followups.models import FollowupRules


@pytest.fixture
def outbox_mail(db, settings, mailoutbox):
    """Mail goes to anymail's test backend (the outside world, mocked as anymail intends)."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    return mailoutbox


@pytest.fixture
def rules(db):
    """Daytime everywhere unless a test says otherwise, so only the rule under test decides."""
    rules = FollowupRules.current()
    rules.quiet_hours_start = rules.quiet_hours_end = 0
    rules.thank_you_delay_minutes = 0
    rules.min_gap_minutes = 0  # tests/followups/test_mail_spacing.py turns it on
    rules.save()
    return rules


class Shop:
    """Records through the real services, with their events run on commit."""

    def __init__(self, capture):
        self.capture = capture
        self.n = 0

    def customer(self, name="Ana Pérez", **values):
        self.n += 1
        values.setdefault("email", f"c{self.n}@example.com")
        customer, _ = services.customer_upsert(external_id=f"C{self.n}", name=name, **values)
        return customer

    def sale(self, customer=None, *, ordered_at=None, delivery=None, category="hogar"):
        self.n += 1
        customer = customer or self.customer()
        with self.capture(execute=True):
            return services.sale_record(
                external_id=f"S{self.n}",
                customer=customer,
                ordered_at=ordered_at or timezone.now(),
                lines=[
                    services.LineData(
                        name="Cafetera", category=category, quantity=1, unit_price=Decimal("49.90")
                    )
                ],
                delivery=delivery,
            ).sale

    def update_delivery(self, sale, **values):
        sale.delivery.refresh_from_db()
        with self.capture(execute=True):
            return services.delivery_update(delivery=sale.delivery, **values)

    def open_case(self, customer, sale=None):
        with self.capture(execute=True):
            return services.complaint_open(customer=customer, sale=sale, reason="delivery_late")

    def resolve(self, complaint):
        with self.capture(execute=True):
            return services.complaint_resolve(complaint=complaint, resolution_note="ok")


@pytest.fixture
def shop(db, rules, django_capture_on_commit_callbacks):
    return Shop(django_capture_on_commit_callbacks)


def days(n):
    return dt.timedelta(days=n)

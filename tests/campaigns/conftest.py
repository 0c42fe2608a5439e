import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.models import Campaign
from followups.models import FollowupRules
from tests.customers.factories import CustomerFactory, SaleFactory


def make_campaign(**values) -> Campaign:
    values.setdefault("name", "Te echamos de menos")
    values.setdefault("consent_only", False)
    values.setdefault("subject_es", "{{ first_name }}, vuelve")
    values.setdefault("text_es", "Hola, {{ first_name }}: te esperamos & más.")
    values.setdefault("subject_en", "{{ first_name }}, come back")
    values.setdefault("text_en", "Hi {{ first_name }}: we miss you & more.")
    return Campaign.objects.create(**values)


def buyer(*, days_ago=1, amount="19.90", category="hogar", **customer):
    """A customer with one sale `days_ago` days ago for `amount` in `category`."""
    person = CustomerFactory(**customer)
    SaleFactory(
        customer=person,
        ordered_at=timezone.now() - dt.timedelta(days=days_ago),
        lines__unit_price=Decimal(amount),
        lines__category=category,
    )
    return person


@pytest.fixture
def rules(db):
    """Daytime everywhere and no budget unless a test says otherwise."""
    rules = FollowupRules.current()
    rules.quiet_hours_start = rules.quiet_hours_end = 0
    rules.save()
    return rules


@pytest.fixture
def outbox_mail(db, settings, mailoutbox):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    return mailoutbox


def salt_for(campaign: Campaign, *, sent=(), holdout=()) -> Campaign:
    """Pick the campaign's salt so these customers are drawn into these groups: the draw is a
    hash, so a test chooses the salt instead of hoping."""
    for n in range(10_000):
        campaign.salt = f"test-{n}"
        if not any(campaign.in_holdout(c.pk) for c in sent) and all(
            campaign.in_holdout(c.pk) for c in holdout
        ):
            campaign.save(update_fields=["salt"])
            return campaign
    raise AssertionError("no salt found")

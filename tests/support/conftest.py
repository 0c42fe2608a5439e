import pytest

from tests.followups.conftest import Shop


@pytest.fixture
def outbox_mail(db, settings, mailoutbox):
    """Mail goes to anymail's test backend (the outside world, mocked as anymail intends)."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    return mailoutbox


@pytest.fixture
def shop(db, django_capture_on_commit_callbacks):
    from followups.models import FollowupRules

    rules = FollowupRules.current()
    rules.quiet_hours_start = rules.quiet_hours_end = 0
    rules.save()
    return Shop(django_capture_on_commit_callbacks)

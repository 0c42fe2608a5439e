"""Staff send a failed message again from the outbox, once what made it fail is fixed."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone

from followups.dispatch import dispatch_due
from followups.models import Kind, Message, MessageTemplate, State
from followups.outbox import message_retry

NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def failed(shop, outbox_mail):
    """A thank-you that failed for good: its template, saved before the editor checked
    templates, includes a file that does not exist."""
    MessageTemplate.objects.create(
        kind=Kind.THANK_YOU, language="es", subject="Hola", text_body='{% include "missing.txt" %}'
    )
    shop.sale()
    dispatch_due()
    message = Message.objects.get(kind=Kind.THANK_YOU)
    assert message.state == State.FAILED and "missing.txt" in message.last_error
    MessageTemplate.objects.all().delete()  # the manager fixes it: back to the shipped one
    return message


def retry_url(message):
    return f"/followups/messages/{message.pk}/retry/"


@pytest.mark.parametrize("staff_client", ["support_client", "manager_client"])
def test_staff_send_a_failed_message_again_and_it_goes_out(request, failed, outbox_mail, staff_client):
    client = request.getfixturevalue(staff_client)
    response = client.post(retry_url(failed), {"next": "/followups/messages/?state=failed"})
    assert response.status_code == 302 and response.url == "/followups/messages/?state=failed"
    failed.refresh_from_db()
    assert failed.state == State.PLANNED and failed.reason == "retried"
    event = failed.events.order_by("-pk").first()
    assert event.event == "retried" and event.detail.startswith("by ")
    dispatch_due()
    failed.refresh_from_db()
    assert failed.state == State.SENT
    (mail,) = outbox_mail
    assert mail.subject.startswith("¡Gracias")


def test_the_outbox_and_the_message_page_offer_it_only_for_failed_messages(support_client, failed, shop):
    shop.sale()  # a planned one, not failed
    outbox = support_client.get("/followups/messages/").content.decode()
    assert outbox.count('action="/followups/messages/') == 1 and retry_url(failed) in outbox
    assert retry_url(failed) in support_client.get(f"/followups/messages/{failed.pk}/").content.decode()


def test_only_a_post_retries(support_client, failed):
    assert support_client.get(retry_url(failed)).status_code == 405
    failed.refresh_from_db()
    assert failed.state == State.FAILED


def test_staff_without_the_permission_cannot_retry(client, failed):
    client.force_login(User.objects.create_user("nobody"))
    assert client.post(retry_url(failed)).status_code == 403
    client.logout()
    anonymous = client.post(retry_url(failed))
    assert anonymous.status_code == 302 and "login" in anonymous.url
    failed.refresh_from_db()
    assert failed.state == State.FAILED


def test_a_message_that_did_not_fail_is_not_retried(support_client, shop, outbox_mail):
    shop.sale()
    dispatch_due()
    sent = Message.objects.get()
    response = support_client.post(retry_url(sent), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "Only a failed message can be sent again." in [str(m) for m in response.context["messages"]]
    sent.refresh_from_db()
    assert sent.state == State.SENT and not sent.events.filter(event="retried").exists()


def test_a_message_past_its_window_is_not_retried(failed, support):
    with time_machine.travel(failed.expires_at + dt.timedelta(minutes=1), tick=False):
        with pytest.raises(ValidationError) as refused:
            message_retry(message=failed, author=support)
    assert refused.value.code == "expired"
    failed.refresh_from_db()
    assert failed.state == State.FAILED


@time_machine.travel(NOON, tick=False)
def test_a_retry_is_due_at_once_with_fresh_attempts(failed, support):
    Message.objects.filter(pk=failed.pk).update(attempts=5, planned_at=NOON - dt.timedelta(hours=1))
    message_retry(message=failed, author=support)
    failed.refresh_from_db()
    assert (failed.planned_at, failed.attempts) == (timezone.now(), 0)

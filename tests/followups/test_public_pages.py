"""Pages customers reach from a mail: one-click unsubscribe, preferences, the delay answer."""

import datetime as dt

import pytest
from django.utils import timezone

from customers.choices import ComplaintSource, TimelineKind
from customers.models import Complaint
from followups.dispatch import dispatch_due, message_token
from followups.models import Kind, Message, Suppression
from tests.people import person_client, person_posts


@pytest.fixture
def delay_notice(shop, outbox_mail):
    sale = shop.sale(
        shop.customer(name="Lucía Gómez"),
        delivery={"promised_date": timezone.localdate() + dt.timedelta(days=1)},
    )
    shop.update_delivery(
        sale,
        estimated_date=timezone.localdate() + dt.timedelta(days=4),
        delay_reason="weather",
        status="delayed",
    )
    dispatch_due()
    message = Message.objects.get(kind=Kind.DELAY_NOTICE)
    return message, message_token(message)


def test_the_unsubscribe_link_asks_before_it_acts(client, delay_notice):
    message, token = delay_notice
    page = client.get(f"/c/u/{token}/")
    assert page.status_code == 200 and "Lucía" in page.content.decode()
    assert not Suppression.objects.exists()
    assert "default-src 'none'" in page["Content-Security-Policy"]


def test_one_click_unsubscribe_works_without_cookies_or_form_token(delay_notice):
    from django.test import Client

    message, token = delay_notice
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(f"/c/u/{token}/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    # A delay notice is an order update: leaving it leaves every optional category.
    assert set(
        Suppression.objects.filter(email=message.customer.email).values_list("category", flat=True)
    ) == {"relationship", "survey", "promotional"}
    assert message.customer.timeline.filter(kind=TimelineKind.CONSENT).exists()


def test_preferences_show_and_save(client, delay_notice):
    message, token = delay_notice
    page = client.get(f"/c/p/{token}/")
    assert page.status_code == 200
    assert [on for _, _, on in page.context["choices"]] == [True, True, False]
    client = person_client()
    response = person_posts(client, f"/c/p/{token}/", {"relationship": "on", "promotional": "on"})
    assert response.status_code == 302
    assert list(Suppression.objects.values_list("category", flat=True)) == ["survey"]
    message.customer.refresh_from_db()
    assert message.customer.marketing_consent and message.customer.consent_source == "preferences page"
    person_posts(client, f"/c/p/{token}/", {"survey": "on"})
    assert set(Suppression.objects.values_list("category", flat=True)) == {"relationship", "promotional"}


def test_the_delay_page_shows_the_new_date_and_takes_a_choice(client, delay_notice):
    message, token = delay_notice
    page = client.get(f"/c/d/{token}/")
    body = page.content.decode()
    assert page.status_code == 200 and message.sale.external_id in body
    assert not Complaint.objects.exists()  # looking is not choosing
    assert person_posts(person_client(), f"/c/d/{token}/", {"choice": "accept"}).status_code == 302
    assert message.customer.timeline.filter(kind=TimelineKind.DELAY_CHOICE).count() == 1
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("choice", ["cancel", "call"])
def test_cancel_or_call_opens_one_case_for_support(client, delay_notice, choice):
    message, token = delay_notice
    message.customer.phone = "+34 600 123 456"
    message.customer.save()
    data = {"choice": choice, "confirm": "yes"}
    client = person_client()
    person_posts(client, f"/c/d/{token}/", data)
    person_posts(client, f"/c/d/{token}/", data)
    case = Complaint.objects.get()
    assert case.source == ComplaintSource.DELAY_NOTICE and case.reason == "delivery_late"
    assert case.sale == message.sale
    message.refresh_from_db()
    assert message.data["choice"] == choice and message.data["case_id"] == case.pk


@pytest.mark.parametrize("page", ["u", "p", "d"])
def test_an_unknown_token_gets_the_friendly_page(client, db, page):
    response = client.get(f"/c/{page}/not-a-real-token-at-all-000000/")
    assert response.status_code == 404
    assert "not valid" in response.content.decode() or "no es válido" in response.content.decode()


def test_the_delay_page_refuses_a_token_of_another_kind(client, shop, outbox_mail):
    shop.sale(delivery={"promised_date": timezone.localdate() + dt.timedelta(days=3)})
    dispatch_due()
    thanks = Message.objects.get(kind=Kind.THANK_YOU)
    assert client.get(f"/c/d/{message_token(thanks)}/").status_code == 404


def test_public_pages_are_rate_limited_per_token(client, delay_notice, settings):
    from postsale.lib import public

    message, token = delay_notice
    statuses = [client.get(f"/c/p/{token}/").status_code for _ in range(public.PER_TOKEN_PER_MINUTE + 2)]
    assert statuses[0] == 200 and statuses[-1] == 429

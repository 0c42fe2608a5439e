"""Customers' trust first (issue 13): consent is only given by the customer, scanners change
nothing on the delay and unsubscribe pages, and the delay choices do what the customer meant."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from customers.choices import ComplaintStatus, TimelineKind
from customers.importing import sales_import
from customers.models import Complaint, Customer, TimelineEntry
from followups.models import Kind, Message, MessageEvent, Suppression
from tests.customers.api_helpers import api_client
from tests.customers.factories import CustomerFactory, DeliveryFactory
from tests.people import FIREFOX, PROOFPOINT, PROOFPOINT_IP, person_client, person_posts, stamp_of
from tests.surveys.conftest import sent_message

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 11, 0, tzinfo=dt.UTC)
CONFIRM_AGAIN = "confirm again"
AUTOMATED_EVENT = "automated_post"  # followups.services.AUTOMATED_EVENT, spelled out: a contract


def reloaded(customer: Customer) -> Customer:
    return Customer.objects.get(pk=customer.pk)


def consent_entries(customer) -> list[str]:
    """The consent entries as an English-speaking agent reads them."""
    with translation.override("en"):
        return [
            entry.text for entry in TimelineEntry.objects.filter(customer=customer, kind=TimelineKind.CONSENT)
        ]


def mail(kind=Kind.DELAY_NOTICE, *, consent=False, phone="", **customer):
    """A mail of `kind` sent an hour ago to a customer with or without marketing consent."""
    customer = CustomerFactory(marketing_consent=consent, phone=phone, language="en", **customer)
    sale = DeliveryFactory(sale__customer=customer).sale
    return sent_message(kind=kind, customer=customer, sale=sale)


def one_click(message):
    """The RFC 8058 POST a mail client makes: one request, no cookies, no page, no agent."""
    return Client(enforce_csrf_checks=True).post(
        f"/c/u/{message.page_token}/", {"List-Unsubscribe": "One-Click"}
    )


def optional_out(message) -> set[str]:
    return set(
        Suppression.objects.filter(email=message.customer.email.lower()).values_list("category", flat=True)
    )


# -- 1. Unsubscribing never grants marketing consent ----------------------------------------


@pytest.mark.parametrize("kind", [Kind.DELAY_NOTICE, Kind.SURVEY, Kind.BIRTHDAY])
def test_one_click_unsubscribe_never_gives_consent(kind):
    message = mail(kind)

    assert one_click(message).status_code == 200

    customer = reloaded(message.customer)
    assert (customer.marketing_consent, customer.consent_at, customer.consent_source) == (False, None, "")
    assert not any("given" in s or "otorgado" in s or "dado" in s for s in consent_entries(customer))
    assert optional_out(message)  # it did unsubscribe


@pytest.mark.parametrize("kind", [Kind.DELAY_NOTICE, Kind.SURVEY])
def test_the_unsubscribe_page_button_never_gives_consent(kind):
    message = mail(kind)

    response = person_posts(person_client(), f"/c/u/{message.page_token}/", {})

    assert response.status_code == 200 and "unsubscribed" in response.content.decode()
    customer = reloaded(message.customer)
    assert (customer.marketing_consent, customer.consent_at) == (False, None)


def test_leaving_every_optional_mail_withdraws_consent_with_when_and_how():
    message = mail(Kind.DELAY_NOTICE, consent=True)

    with time_machine.travel(NOW, tick=False):
        one_click(message)

    customer = reloaded(message.customer)
    assert (customer.marketing_consent, customer.consent_at, customer.consent_source) == (
        False,
        NOW,
        "one-click unsubscribe",
    )
    assert optional_out(message) == {"relationship", "survey", "promotional"}


def test_leaving_the_surveys_keeps_consent_and_every_other_category():
    message = mail(Kind.SURVEY, consent=True)

    one_click(message)

    customer = reloaded(message.customer)
    assert customer.marketing_consent and customer.consent_at is None
    assert optional_out(message) == {"survey"}


def test_leaving_the_surveys_keeps_a_customer_without_consent_without_it():
    message = mail(Kind.SURVEY)
    Suppression.objects.create(
        email=message.customer.email.lower(), category="relationship", reason="unsubscribed"
    )

    one_click(message)

    assert not reloaded(message.customer).marketing_consent
    assert optional_out(message) == {"relationship", "survey"}


def test_only_ticking_offers_on_the_preferences_page_gives_consent_with_when_and_how():
    message = mail(Kind.SURVEY)
    path = f"/c/p/{message.page_token}/"
    client = person_client()

    person_posts(client, path, {"relationship": "on", "survey": "on"})  # offers left unticked
    assert reloaded(message.customer).consent_at is None

    later = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        response = person_posts(
            client, path, {"relationship": "on", "promotional": "on"}, read_after=dt.timedelta(0)
        )
    assert response.status_code == 302
    customer = reloaded(message.customer)
    assert (customer.marketing_consent, customer.consent_at, customer.consent_source) == (
        True,
        later + dt.timedelta(seconds=2),
        "preferences page",
    )

    person_posts(client, path, {"relationship": "on"})
    customer = reloaded(message.customer)
    assert not customer.marketing_consent and customer.consent_source == "preferences page"
    assert len([s for s in consent_entries(customer) if "preferences page" in s]) == 2


def test_the_api_changes_consent_only_when_asked_and_records_it(support):
    customer = CustomerFactory(marketing_consent=False)
    api = api_client(support)
    url = f"/api/v1/customers/{customer.pk}/"

    api.patch(url, {"name": "Ana María"}, format="json")
    assert reloaded(customer).consent_at is None

    with time_machine.travel(NOW, tick=False):
        api.patch(url, {"marketing_consent": True, "consent_source": "checkout box"}, format="json")
    stored = reloaded(customer)
    assert (stored.marketing_consent, stored.consent_at, stored.consent_source) == (True, NOW, "checkout box")
    assert TimelineEntry.objects.get(customer=customer, kind=TimelineKind.CONSENT).author == support


def test_an_import_never_touches_consent(tmp_path, django_capture_on_commit_callbacks):
    consenting = CustomerFactory(external_id="C-001", marketing_consent=True)
    Customer.objects.filter(pk=consenting.pk).update(consent_source="checkout box")
    rows = [
        "order_id,ordered_at,channel,currency,customer_id,customer_email,customer_name,"
        "item_name,quantity,unit_price",
        "A-1,2026-03-01T10:00:00+01:00,online,EUR,C-001,ana@example.com,Ana,Taza,1,5.00",
        "A-2,2026-03-01T11:00:00+01:00,online,EUR,C-002,luis@example.com,Luis,Taza,1,5.00",
    ]
    path = tmp_path / "sales.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")

    with django_capture_on_commit_callbacks(execute=True):
        report = sales_import(path)

    assert not report.errors
    assert Customer.objects.get(external_id="C-001").marketing_consent
    assert Customer.objects.get(external_id="C-001").consent_source == "checkout box"
    new = Customer.objects.get(external_id="C-002")
    assert (new.marketing_consent, new.consent_at) == (False, None)
    assert not TimelineEntry.objects.filter(kind=TimelineKind.CONSENT).exists()


def admin_form_data(admin_client, customer) -> dict:
    form = (
        admin_client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
        .context["adminform"]
        .form
    )
    data = {name: form[name].value() for name in form.fields}
    return {k: ("" if v is None else v) for k, v in data.items() if v is not False}


def test_staff_changing_consent_in_the_admin_records_when_how_and_who(admin_client, admin_user):
    customer = CustomerFactory(marketing_consent=False)
    data = {**admin_form_data(admin_client, customer), "marketing_consent": "on", "consent_source": "forged"}

    with time_machine.travel(NOW, tick=False):
        response = admin_client.post(reverse("admin:customers_customer_change", args=[customer.pk]), data)

    assert response.status_code == 302
    stored = reloaded(customer)
    assert (stored.marketing_consent, stored.consent_at, stored.consent_source) == (True, NOW, "admin")
    entry = TimelineEntry.objects.get(customer=customer, kind=TimelineKind.CONSENT)
    assert entry.author == admin_user and "admin" in entry.text


# -- 3. Scanners change nothing on the delay and unsubscribe pages --------------------------


def delay_page(message) -> str:
    return f"/c/d/{message.page_token}/"


def kept_as_automated(message) -> MessageEvent:
    return MessageEvent.objects.get(message=message, event=AUTOMATED_EVENT)


def test_a_scanner_agent_posting_cancel_a_tenth_of_a_second_after_the_page_changes_nothing():
    message = mail(phone="+34 600 111 222")

    response = person_posts(
        Client(HTTP_USER_AGENT=PROOFPOINT),
        delay_page(message),
        {"choice": "cancel", "confirm": "yes"},
        after_seconds=0.1,
        interaction="",
    )

    assert response.status_code == 200 and CONFIRM_AGAIN in response.content.decode()
    assert not Complaint.objects.exists()
    message.refresh_from_db()
    assert "choice" not in message.data
    assert not TimelineEntry.objects.filter(kind=TimelineKind.DELAY_CHOICE).exists()
    event = kept_as_automated(message)
    assert event.detail == "delay: automated_agent" and event.data["choice"] == "cancel"
    assert event.data["user_agent"] == PROOFPOINT


@pytest.mark.parametrize(
    "how, reason",
    [
        ({"stamp": False}, "no_page_load"),
        ({"REMOTE_ADDR": PROOFPOINT_IP}, "scanner_network"),
        ({"read_after": dt.timedelta(seconds=1)}, "after_delivery"),
        ({"interaction": "none"}, "no_interaction"),
        ({"HTTP_USER_AGENT": "python-requests/2.32"}, "automated_agent"),
    ],
)
def test_a_scanner_like_delay_choice_is_kept_but_changes_nothing(how, reason):
    message = mail(phone="+34 600 111 222")
    message.sent_at = timezone.now()  # "seconds after delivery" counts from here
    message.save()

    response = person_posts(person_client(), delay_page(message), {"choice": "call"}, **how)

    assert response.status_code == 200 and CONFIRM_AGAIN in response.content.decode()
    assert not Complaint.objects.exists()
    assert kept_as_automated(message).data["reason"] == reason


def test_a_person_answering_half_a_second_after_the_page_loaded_is_heard():
    message = mail(phone="+34 600 111 222")

    response = person_posts(person_client(), delay_page(message), {"choice": "call"}, after_seconds=0.5)

    assert response.status_code == 302
    assert Complaint.objects.count() == 1
    assert not MessageEvent.objects.filter(event=AUTOMATED_EVENT).exists()


def test_a_person_without_javascript_is_heard():
    message = mail()

    response = person_posts(person_client(), delay_page(message), {"choice": "accept"}, interaction="")

    assert response.status_code == 302
    message.refresh_from_db()
    assert message.data["choice"] == "accept"


def test_an_empty_post_from_a_scanner_does_not_unsubscribe():
    message = mail(Kind.SURVEY)

    response = Client(HTTP_USER_AGENT=PROOFPOINT).post(f"/c/u/{message.page_token}/", {})

    assert response.status_code == 200 and CONFIRM_AGAIN in response.content.decode()
    assert not Suppression.objects.exists()
    assert kept_as_automated(message).detail == "unsubscribe: automated_agent"


@pytest.mark.parametrize(
    "how",
    [
        {"stamp": False},
        {"REMOTE_ADDR": PROOFPOINT_IP},
        {"read_after": dt.timedelta(seconds=2)},
        {"interaction": "none"},
        {"HTTP_USER_AGENT": ""},
    ],
)
def test_a_scanner_pressing_the_unsubscribe_button_changes_nothing(how):
    message = mail(Kind.SURVEY)
    message.sent_at = timezone.now()
    message.save()

    response = person_posts(person_client(), f"/c/u/{message.page_token}/", {}, **how)

    assert CONFIRM_AGAIN in response.content.decode()
    assert not Suppression.objects.exists()
    assert kept_as_automated(message)


def test_a_scanner_saving_the_preferences_changes_nothing():
    message = mail(Kind.SURVEY, consent=True)

    response = person_posts(person_client(), f"/c/p/{message.page_token}/", {}, interaction="none")

    assert response.status_code == 200 and CONFIRM_AGAIN in response.content.decode()
    assert not Suppression.objects.exists() and reloaded(message.customer).marketing_consent
    assert kept_as_automated(message).data["keep"] == []


def test_the_rfc_8058_one_click_post_stays_one_request_even_seconds_after_delivery():
    message = mail(Kind.SURVEY)
    message.sent_at = timezone.now()
    message.save()

    response = one_click(message)

    assert response.status_code == 200
    assert optional_out(message) == {"survey"}
    assert not MessageEvent.objects.filter(event=AUTOMATED_EVENT).exists()


# -- 4. The delay choices --------------------------------------------------------------------


def test_one_tap_on_cancel_only_asks_and_the_confirmation_decides():
    message = mail()
    client = person_client()

    asked = person_posts(client, delay_page(message), {"choice": "cancel"})

    assert asked.status_code == 200
    body = asked.content.decode()
    assert "Do you really want to cancel" in body and 'name="confirm" value="yes"' in body
    assert not Complaint.objects.exists()
    message.refresh_from_db()
    assert "choice" not in message.data

    done = person_posts(client, delay_page(message), {"choice": "cancel", "confirm": "yes"})

    assert done.status_code == 302
    assert Complaint.objects.get().description == "quiere cancelar el pedido"  # shop's language


def test_call_me_without_a_phone_number_asks_for_it():
    message = mail(phone="")
    client = person_client()

    asked = person_posts(client, delay_page(message), {"choice": "call"})
    assert 'type="tel"' in asked.content.decode() and not Complaint.objects.exists()

    wrong = person_posts(client, delay_page(message), {"choice": "call", "phone": "call me!"})
    assert wrong.status_code == 200 and 'aria-invalid="true"' in wrong.content.decode()
    assert not Complaint.objects.exists()

    done = person_posts(client, delay_page(message), {"choice": "call", "phone": "+34 611 22 33 44"})
    assert done.status_code == 302
    assert reloaded(message.customer).phone == "+34 611 22 33 44"
    assert "+34 611 22 33 44" in Complaint.objects.get().description


def test_call_me_with_a_phone_number_on_file_is_one_tap():
    message = mail(phone="+34 600 111 222")

    assert person_posts(person_client(), delay_page(message), {"choice": "call"}).status_code == 302
    assert Complaint.objects.get().status == ComplaintStatus.OPEN


def test_accepting_after_asking_to_cancel_withdraws_the_case_and_asking_again_reopens_it():
    message = mail()
    client = person_client()
    person_posts(client, delay_page(message), {"choice": "cancel", "confirm": "yes"})

    person_posts(client, delay_page(message), {"choice": "accept"})

    case = Complaint.objects.get()
    assert case.status == ComplaintStatus.CLOSED and not case.is_unresolved
    assert "acepta la nueva fecha" in case.resolution_note  # the shop's language
    assert not Message.objects.filter(kind=Kind.CASE_SURVEY).exists()  # nothing to rate

    person_posts(client, delay_page(message), {"choice": "cancel", "confirm": "yes"})
    assert Complaint.objects.get().status == ComplaintStatus.OPEN


@pytest.mark.parametrize("choice, label", [("accept", "Accept the new date"), ("call", "Call me")])
def test_the_chosen_option_is_shown(choice, label):
    message = mail(phone="+34 600 111 222")
    client = person_client(HTTP_USER_AGENT=FIREFOX)
    person_posts(client, delay_page(message), {"choice": choice})

    body = client.get(delay_page(message)).content.decode()

    assert f"Your answer:</strong>\n  {label}" in body
    assert f'value="{choice}" class="' in body
    chosen = body.split(f'value="{choice}"')[1].split(">")[0]
    assert "chosen" in chosen and 'aria-pressed="true"' in chosen
    assert body.count('aria-pressed="true"') == 1


def test_an_unknown_choice_is_a_clear_400():
    message = mail()
    page = person_client().get(delay_page(message))
    response = person_client().post(delay_page(message), {"choice": "refund-me", "stamp": stamp_of(page)})
    assert response.status_code == 400 and not Complaint.objects.exists()

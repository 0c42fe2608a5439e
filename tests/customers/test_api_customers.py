import pytest

from customers.choices import TimelineKind
from customers.models import Customer, TimelineEntry
from tests.customers.api_helpers import api_client
from tests.customers.factories import CustomerFactory

URL = "/api/v1/customers/"


@pytest.fixture
def api(support):
    return api_client(support)


def test_customers_list_is_paginated_by_50(api):
    CustomerFactory.create_batch(51)

    page = api.get(URL).json()

    assert page["count"] == 51
    assert len(page["results"]) == 50
    assert page["next"].endswith("?page=2") and page["previous"] is None
    assert len(api.get(URL, {"page": 2}).json()["results"]) == 1


def test_customers_list_runs_a_fixed_number_of_queries(api, django_assert_max_num_queries):
    CustomerFactory.create_batch(40)
    api.get(URL)

    with django_assert_max_num_queries(5):
        response = api.get(URL)

    assert len(response.json()["results"]) == 40


def test_search_finds_customers_by_name_email_or_external_id(api):
    lucia = CustomerFactory(name="Lucía Pérez", email="lucia@shop.example", external_id="C-1")
    CustomerFactory(name="Pablo Ruiz", email="pablo@shop.example", external_id="C-2")

    def found(term):
        return [c["id"] for c in api.get(URL, {"search": term}).json()["results"]]

    assert found("lucía") == [lucia.pk]
    assert found("lucia@shop") == [lucia.pk]
    assert found("C-1") == [lucia.pk]
    assert found("nobody") == []


def test_customers_filter_by_stage_language_email_and_external_id(api):
    lost = CustomerFactory(lifecycle_stage="lost", language="en", email="Ann@Example.com")
    CustomerFactory(lifecycle_stage="active", language="es")

    def found(**params):
        response = api.get(URL, params)
        assert response.status_code == 200
        return [c["id"] for c in response.json()["results"]]

    assert found(lifecycle_stage="lost") == [lost.pk]
    assert found(language="en") == [lost.pk]
    assert found(email="ann@example.com") == [lost.pk]
    assert found(external_id=lost.external_id) == [lost.pk]
    assert api.get(URL, {"lifecycle_stage": "gone"}).status_code == 400


def test_a_customer_is_read_by_id(api):
    customer = CustomerFactory(name="Lucía Pérez")

    response = api.get(f"{URL}{customer.pk}/")

    assert response.status_code == 200
    assert response.json()["name"] == "Lucía Pérez"
    assert api.get(f"{URL}999999/").status_code == 404


def test_posting_a_customer_creates_it_and_posting_again_updates_it(api):
    created = api.post(
        URL,
        {"external_id": "C-9", "name": "Ana", "email": "ana@example.com", "time_zone": "America/Mexico_City"},
        format="json",
    )
    updated = api.post(URL, {"external_id": "C-9", "phone": "+34 600 000 000"}, format="json")

    assert (created.status_code, updated.status_code) == (201, 200)
    assert updated.json()["id"] == created.json()["id"]
    customer = Customer.objects.get()
    assert (customer.name, customer.phone, customer.time_zone) == (
        "Ana",
        "+34 600 000 000",
        "America/Mexico_City",
    )


def test_patch_changes_only_the_fields_sent(api):
    customer = CustomerFactory(name="Ana", phone="111", language="es")

    response = api.patch(f"{URL}{customer.pk}/", {"language": "en"}, format="json")

    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.name, customer.phone, customer.language) == ("Ana", "111", "en")


def test_put_needs_the_name(api):
    customer = CustomerFactory(name="Ana")

    response = api.put(f"{URL}{customer.pk}/", {"email": "ana@example.com"}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()


def test_the_external_id_is_not_changed_by_an_update(api):
    customer = CustomerFactory(external_id="C-1")

    response = api.patch(f"{URL}{customer.pk}/", {"external_id": "C-2", "name": "Ana"}, format="json")

    # refused by name (not silently dropped), and nothing of the request applied
    assert response.status_code == 400 and "external_id" in response.json()
    customer.refresh_from_db()
    assert customer.external_id == "C-1" and customer.name != "Ana"


def test_consent_changes_go_on_the_timeline_with_their_source(api):
    customer = CustomerFactory(marketing_consent=False)

    api.patch(
        f"{URL}{customer.pk}/", {"marketing_consent": True, "consent_source": "web form"}, format="json"
    )
    api.patch(f"{URL}{customer.pk}/", {"marketing_consent": True}, format="json")

    customer.refresh_from_db()
    assert customer.marketing_consent and customer.consent_at is not None
    assert customer.consent_source == "web form"
    entries = TimelineEntry.objects.filter(customer=customer, kind=TimelineKind.CONSENT)
    assert entries.count() == 1  # sending the same value again is not a change


def test_do_not_contact_is_set_through_the_api(api):
    customer = CustomerFactory()

    response = api.patch(f"{URL}{customer.pk}/", {"do_not_contact": True}, format="json")

    assert response.json()["do_not_contact"] is True
    assert TimelineEntry.objects.filter(customer=customer, kind=TimelineKind.CONSENT).exists()


def test_customers_cannot_be_deleted_through_the_api(manager):
    customer = CustomerFactory()

    assert api_client(manager).delete(f"{URL}{customer.pk}/").status_code == 405
    assert Customer.objects.filter(pk=customer.pk).exists()

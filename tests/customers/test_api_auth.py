import uuid

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from customers.models import Complaint, Sale
from tests.customers.api_helpers import api_client, sale_payload
from tests.customers.factories import ComplaintFactory, CustomerFactory

ENDPOINTS = ["/api/v1/customers/", "/api/v1/sales/", "/api/v1/deliveries/", "/api/v1/complaints/"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_requests_get_401_with_the_token_scheme(url):
    response = APIClient().get(url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_a_wrong_token_is_a_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    assert client.get(ENDPOINTS[0]).status_code == 401


@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_user_without_permissions_gets_403(django_user_model, url):
    nobody = django_user_model.objects.create_user(username="nobody", password="pw-nobody")

    assert api_client(nobody).get(url).status_code == 403


def test_a_user_without_permissions_cannot_write(django_user_model):
    nobody = django_user_model.objects.create_user(username="nobody", password="pw-nobody")
    customer = CustomerFactory()
    api = api_client(nobody)

    assert api.post("/api/v1/sales/", sale_payload(), format="json").status_code == 403
    assert api.patch(f"/api/v1/customers/{customer.pk}/", {"name": "X"}, format="json").status_code == 403
    assert not Sale.objects.exists()


def test_a_manager_token_made_by_drf_create_token_records_a_sale(manager, capsys):
    call_command("drf_create_token", manager.username)
    key = Token.objects.get(user=manager).key
    assert key in capsys.readouterr().out
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = client.post("/api/v1/sales/", sale_payload(), format="json")

    assert response.status_code == 201
    assert Sale.objects.filter(external_id="WEB-1001").exists()


def test_a_logged_in_support_user_reads_customers_by_session(support_client):
    CustomerFactory(name="Ana")

    response = support_client.get("/api/v1/customers/")

    assert response.status_code == 200
    assert [c["name"] for c in response.json()["results"]] == ["Ana"]


def test_support_can_resolve_complaints_and_nobody_deletes_them(support, manager):
    complaint = ComplaintFactory()

    assert (
        api_client(support).post(f"/api/v1/complaints/{complaint.pk}/resolve/", {}, format="json").status_code
        == 200
    )
    assert api_client(support).delete(f"/api/v1/complaints/{complaint.pk}/").status_code == 403
    assert api_client(manager).delete(f"/api/v1/complaints/{complaint.pk}/").status_code == 405
    assert Complaint.objects.filter(pk=complaint.pk).exists()


def test_a_client_over_its_rate_gets_429_with_retry_after(support, monkeypatch):
    # A private cache, so counts from other tests (or a shared Redis) do not leak in.
    monkeypatch.setattr(SimpleRateThrottle, "cache", LocMemCache(uuid.uuid4().hex, {}))
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "3/min"})
    api = api_client(support)

    statuses = [api.get("/api/v1/customers/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    response = api.get("/api/v1/customers/")
    assert int(response["Retry-After"]) > 0

"""A sale can carry a campaign's offer code, through the API (and the service behind it)."""

import pytest

from customers.models import Sale
from tests.customers.api_helpers import api_client, sale_payload

URL = "/api/v1/sales/"


@pytest.fixture
def api(manager):
    return api_client(manager)


def test_the_api_records_the_offer_code_and_answers_it(api):
    response = api.post(URL, sale_payload(offer_code=" VUELVE10 "), format="json")
    assert response.status_code == 201
    assert response.json()["offer_code"] == "VUELVE10"
    assert Sale.objects.get().offer_code == "VUELVE10"


def test_without_a_code_the_sale_has_none_and_a_resend_keeps_a_stored_one(api):
    api.post(URL, sale_payload(), format="json")
    assert Sale.objects.get().offer_code is None
    api.post(URL, sale_payload(offer_code="VUELVE10"), format="json")
    assert Sale.objects.get().offer_code == "VUELVE10"
    response = api.post(URL, sale_payload(), format="json")
    assert response.status_code == 200
    assert Sale.objects.get().offer_code == "VUELVE10"


def test_a_code_too_long_is_a_field_error(api):
    response = api.post(URL, sale_payload(offer_code="X" * 41), format="json")
    assert response.status_code == 400
    assert "offer_code" in response.json()

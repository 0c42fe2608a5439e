"""Bad input is a 400 that says which field is wrong, and writes nothing; never a 500."""

import pytest

from customers.models import Complaint, Customer, Sale
from tests.customers.api_helpers import SALE, api_client, sale_payload
from tests.customers.factories import ComplaintFactory, CustomerFactory


@pytest.fixture
def api(manager):
    return api_client(manager)


def line(**changes):
    return [{**SALE["lines"][0], **changes}]


def delivery(**changes):
    return {**SALE["delivery"], **changes}


def customer(**changes):
    return {**SALE["customer"], **changes}


BAD_SALES = {
    "invalid date": ({"ordered_at": "2025-13-45T10:00:00Z"}, ["ordered_at"]),
    "invalid delivery date": (
        {"delivery": delivery(promised_date="next monday")},
        ["delivery", "promised_date"],
    ),
    "negative quantity": ({"lines": line(quantity=-1)}, ["lines", "0", "quantity"]),
    "zero quantity": ({"lines": line(quantity=0)}, ["lines", "0", "quantity"]),
    "huge quantity": ({"lines": line(quantity=10**12)}, ["lines", "0", "quantity"]),
    "negative price": ({"lines": line(unit_price="-1.00")}, ["lines", "0", "unit_price"]),
    "price with 3 decimals": ({"lines": line(unit_price="1.005")}, ["lines", "0", "unit_price"]),
    "total beyond the column": ({"lines": line(quantity=2_000_000_000, unit_price="99999.99")}, ["lines"]),
    "unknown channel": ({"channel": "fax"}, ["channel"]),
    "unknown delivery status": ({"delivery": delivery(status="lost")}, ["delivery", "status"]),
    "unknown delay reason": ({"delivery": delivery(delay_reason="aliens")}, ["delivery", "delay_reason"]),
    "unknown language": ({"customer": customer(language="fr")}, ["customer", "language"]),
    "unknown time zone": ({"customer": customer(time_zone="Mars/Olympus")}, ["customer", "time_zone"]),
    "birth date in the future": ({"customer": customer(birth_date="2999-01-01")}, ["customer", "birth_date"]),
    "invalid email": ({"customer": customer(email="not-an-email")}, ["customer", "email"]),
    "customer without external id": ({"customer": customer(external_id="")}, ["customer", "external_id"]),
    "missing lines": ({"lines": None}, ["lines"]),
    "empty lines": ({"lines": []}, ["lines"]),
    "delivered before ordered": (
        {"delivery": delivery(delivered_at="2025-03-01T09:00:00+01:00")},
        ["delivery", "delivered_at"],
    ),
    "quantity of the wrong type": ({"lines": line(quantity="two")}, ["lines", "0", "quantity"]),
    "lines not a list": ({"lines": "kettle"}, ["lines"]),
    "customer not an object": ({"customer": "C-77"}, ["customer"]),
    "ordered_at a number": ({"ordered_at": 1741000000}, ["ordered_at"]),
    "order id too long": ({"external_id": "X" * 101}, ["external_id"]),
    "item name too long": ({"lines": line(name="n" * 301)}, ["lines", "0", "name"]),
    "customer name too long": ({"customer": customer(name="n" * 201)}, ["customer", "name"]),
    "carrier too long": ({"delivery": delivery(carrier="c" * 101)}, ["delivery", "carrier"]),
    "currency not a code": ({"currency": "euro"}, ["currency"]),
    "NUL character": ({"external_id": "A\x00B"}, ["external_id"]),
}


def error_at(body, path):
    for key in path:
        body = body[key]
    return body


@pytest.mark.parametrize("changes,path", BAD_SALES.values(), ids=BAD_SALES.keys())
def test_a_bad_sale_is_a_400_on_the_field_and_records_nothing(api, changes, path):
    payload = sale_payload(**changes)
    if payload["lines"] is None:
        del payload["lines"]

    response = api.post("/api/v1/sales/", payload, format="json")

    assert response.status_code == 400
    messages = error_at(response.json(), path)
    assert messages and all(isinstance(m, str) and m for m in messages)
    assert not Sale.objects.exists()
    assert not Customer.objects.exists()


def test_malformed_json_is_a_400(api):
    response = api.generic(
        "POST", "/api/v1/sales/", '{"external_id": "A-1", ', content_type="application/json"
    )

    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_a_body_that_is_not_an_object_is_a_400(api):
    response = api.post("/api/v1/sales/", ["A-1"], format="json")

    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_an_unsupported_media_type_is_a_415(api):
    response = api.generic("POST", "/api/v1/sales/", "<sale/>", content_type="application/xml")

    assert response.status_code == 415


BAD_CUSTOMERS = {
    "long phone": ({"phone": "1" * 41}, "phone"),
    "unknown language": ({"language": "xx"}, "language"),
    "invalid birth date": ({"birth_date": "1990-02-30"}, "birth_date"),
    "consent not a boolean": ({"marketing_consent": "perhaps"}, "marketing_consent"),
}


@pytest.mark.parametrize("changes,field", BAD_CUSTOMERS.values(), ids=BAD_CUSTOMERS.keys())
def test_a_bad_customer_update_is_a_400_on_the_field(api, changes, field):
    target = CustomerFactory(phone="123")

    response = api.patch(f"/api/v1/customers/{target.pk}/", changes, format="json")

    assert response.status_code == 400
    assert field in response.json()
    target.refresh_from_db()
    assert target.phone == "123"


def test_a_bad_complaint_is_a_400_on_the_field(api):
    target = CustomerFactory()

    response = api.post(
        "/api/v1/complaints/",
        {"customer": target.pk, "reason": "rude", "severity": "apocalyptic"},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"reason", "severity"}
    assert not Complaint.objects.exists()


def test_a_negative_compensation_is_a_400(api):
    complaint = ComplaintFactory()

    response = api.patch(
        f"/api/v1/complaints/{complaint.pk}/",
        {"compensation_kind": "refund", "compensation_amount": "-5"},
        format="json",
    )

    assert response.status_code == 400
    assert "compensation_amount" in response.json()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/customers/0/",
        "/api/v1/sales/NOPE/",
        "/api/v1/deliveries/0/",
        "/api/v1/complaints/0/",
        "/api/v1/customers/abc/",
    ],
)
def test_unknown_ids_are_404(api, url):
    assert api.get(url).status_code == 404

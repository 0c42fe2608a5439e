"""API bodies and queries are validated as the schema describes them; errors are documented."""

import pytest
import yaml

from customers.choices import ComplaintStatus
from customers.models import Customer
from tests.customers.api_helpers import api_client, sale_payload
from tests.customers.factories import ComplaintFactory, CustomerFactory


@pytest.fixture
def api(support):
    return api_client(support)


@pytest.mark.parametrize(
    "body",
    [{"junk": 1}, {"resolution_note": "ok", "status": "closed"}, "junk", [1, 2], {"resolution_note": 5}],
)
def test_a_junk_body_on_resolve_is_a_400_and_resolves_nothing(api, body):
    complaint = ComplaintFactory()

    response = api.post(f"/api/v1/complaints/{complaint.pk}/resolve/", body, format="json")

    assert response.status_code == 400
    complaint.refresh_from_db()
    assert complaint.status != ComplaintStatus.RESOLVED


def test_a_form_body_is_refused_as_the_api_reads_json_only(api):
    complaint = ComplaintFactory()

    response = api.post(
        f"/api/v1/complaints/{complaint.pk}/resolve/",
        "junk",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 415
    complaint.refresh_from_db()
    assert complaint.status != ComplaintStatus.RESOLVED


def test_an_empty_body_still_resolves(api):
    complaint = ComplaintFactory()
    assert api.post(f"/api/v1/complaints/{complaint.pk}/resolve/", {}, format="json").status_code == 200


def test_unknown_and_mistyped_fields_are_named_at_any_depth(api, manager):
    payload = sale_payload(colour="red")
    payload["customer"]["nickname"] = "Lu"
    payload["lines"][1]["quantity"] = "1"
    payload["lines"][0]["unit_price"] = 24.5

    response = api_client(manager).post("/api/v1/sales/", payload, format="json")

    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"colour", "customer", "lines"}
    assert set(errors["customer"]) == {"nickname"}
    assert set(errors["lines"]) == {"0", "1"}
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    "query", ["do_not_contact=-1", "marketing_consent=maybe", "do_not_contact=", "lifecycle_stage="]
)
def test_a_typed_filter_with_a_value_it_cannot_read_is_a_400(api, query):
    CustomerFactory()
    response = api.get(f"/api/v1/customers/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


def test_ids_beyond_64_bits_are_a_400_not_a_database_error(api):
    for url in ("/api/v1/sales/", "/api/v1/complaints/", "/api/v1/messages/"):
        assert api.get(f"{url}?customer={10**30}").status_code == 400
    assert api.get("/api/v1/messages/?customer=99999").json()["count"] == 0  # unknown id: empty


def test_a_url_no_route_matches_is_a_json_404(api):
    response = api.get("/api/v1/customers/a.b/")
    assert response.status_code == 404 and response.json() == {"detail": "No encontrado."}


@pytest.mark.django_db
def test_the_schema_documents_the_errors_and_refuses_extra_fields(client):
    schema = yaml.safe_load(client.get("/api/v1/schema/").content)

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "401", "403", "429"} <= codes, (method, path)
            if "{" in path or method == "get":
                assert "404" in codes, (method, path)
    resolve = schema["paths"]["/api/v1/complaints/{id}/resolve/"]["post"]
    assert list(resolve["requestBody"]["content"]) == ["application/json"]
    components = schema["components"]["schemas"]
    assert components["ComplaintResolveInput"]["additionalProperties"] is False
    assert components["SaleInput"]["properties"]["lines"]["minItems"] == 1
    assert "" in components["DelayReasonEnum"]["enum"] or "BlankEnum" in components

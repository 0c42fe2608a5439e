import re

import pytest
import yaml

PATHS = [
    "/api/v1/customers/",
    "/api/v1/customers/{id}/",
    "/api/v1/sales/",
    "/api/v1/sales/{external_id}/",
    "/api/v1/sales/{external_id}/delivery/",
    "/api/v1/deliveries/",
    "/api/v1/deliveries/{id}/",
    "/api/v1/complaints/",
    "/api/v1/complaints/{id}/",
    "/api/v1/complaints/{id}/resolve/",
]


@pytest.mark.django_db
def test_the_schema_describes_every_route_with_separate_input_and_output(client):
    response = client.get("/api/v1/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert set(PATHS) <= set(schema["paths"])
    create_sale = schema["paths"]["/api/v1/sales/"]["post"]
    request_ref = create_sale["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert request_ref.endswith("/SaleInput")
    assert set(create_sale["responses"]) == {"200", "201", "400", "401", "403", "429"}
    assert {"tokenAuth": []} in create_sale["security"]


@pytest.mark.django_db
def test_the_docs_page_loads_its_assets_from_this_server(client):
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert re.findall(r'(?:src|href)=["\'](?:https?:)?//', html) == []
    assert "cdn." not in html and "unpkg" not in html

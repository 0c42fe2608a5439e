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


HEADER = "order_id,ordered_at,customer_id,customer_email,item_name,quantity,unit_price"


def import_csv(tmp_path, text):
    from customers.importing import sales_import

    path = tmp_path / "sales.csv"
    path.write_text(text, encoding="utf-8")
    return sales_import(path)


def test_the_import_takes_an_optional_offer_code_column(db, tmp_path):
    report = import_csv(
        tmp_path,
        HEADER + ",offer_code\n"
        "W-1,2026-01-10T10:00:00+01:00,C1,a@example.es,Taza,1,9.90,VUELVE10\n"
        "W-1,2026-01-10T10:00:00+01:00,C1,a@example.es,Plato,1,5.00,\n"
        "W-2,2026-01-11T10:00:00+01:00,C2,b@example.es,Taza,1,9.90,\n",
    )
    assert not report.errors
    assert dict(Sale.objects.values_list("external_id", "offer_code")) == {"W-1": "VUELVE10", "W-2": None}


def test_a_file_without_the_column_imports_as_before_and_keeps_a_stored_code(db, tmp_path):
    import_csv(
        tmp_path, HEADER + ",offer_code\nW-1,2026-01-10T10:00:00+01:00,C1,a@example.es,Taza,1,9.90,VUELVE10\n"
    )
    report = import_csv(tmp_path, HEADER + "\nW-1,2026-01-10T10:00:00+01:00,C1,a@example.es,Taza,1,9.90\n")
    assert not report.errors
    assert Sale.objects.get().offer_code == "VUELVE10"


def test_two_codes_on_one_order_are_a_line_error(db, tmp_path):
    report = import_csv(
        tmp_path,
        HEADER + ",offer_code\n"
        "W-1,2026-01-10T10:00:00+01:00,C1,a@example.es,Taza,1,9.90,A\n"
        "W-1,2026-01-10T10:00:00+01:00,C1,a@example.es,Plato,1,5.00,B\n",
    )
    assert report.errors and not Sale.objects.exists()

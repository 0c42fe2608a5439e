"""The managers' upload page: a preview with errors by line, then a confirmed import."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.models import Sale, SaleLine
from tests.conftest import make_staff

DATA = Path(__file__).parent / "data"
URL = reverse("customers:import")


@pytest.fixture(autouse=True)
def private_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture(autouse=True)
def english(client):
    # The messages are asserted in English; the default language is Spanish.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def upload(name: str, content: bytes) -> dict:
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv")}


def stored_uploads(tmp_path) -> list[Path]:
    return sorted((tmp_path / "imports").glob("*.csv"))


def test_a_manager_sees_the_file_input(manager_client):
    response = manager_client.get(URL)

    assert response.status_code == 200
    assert b'type="file"' in response.content


def test_support_staff_are_refused(support_client):
    assert support_client.get(URL).status_code == 403
    sample = (DATA / "sales_sample.csv").read_bytes()
    assert support_client.post(URL, upload("s.csv", sample)).status_code == 403
    assert Sale.objects.count() == 0


def test_the_preview_counts_what_would_change_and_writes_nothing(manager_client, tmp_path):
    response = manager_client.post(URL, upload("s.csv", (DATA / "sales_sample.csv").read_bytes()))

    assert response.status_code == 200
    report = response.context["report"]
    assert (report.sales_created, report.customers_created, report.lines_written) == (4, 3, 7)
    assert b'name="token"' in response.content
    assert len(stored_uploads(tmp_path)) == 1
    assert Sale.objects.count() == 0


def test_the_preview_lists_errors_by_line_and_offers_no_confirm(manager_client, tmp_path):
    content = (DATA / "sales_sample.csv").read_bytes().replace(b",2,12.50,", b",two,12.50,")
    response = manager_client.post(URL, upload("bad.csv", content))

    html = response.content.decode()
    assert "<td>3</td><td>quantity</td><td>must be a whole number greater than 0</td>" in html
    assert 'name="token"' not in html
    assert stored_uploads(tmp_path) == []
    assert Sale.objects.count() == 0


def test_confirming_the_preview_imports_the_file(manager_client, tmp_path):
    preview = manager_client.post(URL, upload("s.csv", (DATA / "sales_sample.csv").read_bytes()))
    token = preview.context["token"]

    response = manager_client.post(URL, {"token": token})

    assert response.status_code == 200
    assert response.context["done"] is True
    assert Sale.objects.count() == 4 and SaleLine.objects.count() == 7
    assert [str(m) for m in response.context["messages"]] == [
        "Import complete: 4 sales created, 0 updated, 0 unchanged."
    ]
    assert stored_uploads(tmp_path) == []
    # The same token cannot import twice.
    again = manager_client.post(URL, {"token": token})
    assert [m.level_tag for m in again.context["messages"]] == ["error"]


def test_a_token_not_issued_to_this_session_imports_nothing(manager_client, client, tmp_path):
    preview = manager_client.post(URL, upload("s.csv", (DATA / "sales_sample.csv").read_bytes()))
    token = preview.context["token"]
    manager_client.logout()
    client.force_login(make_staff("rosa", "Manager"))

    for forged in (token, "../../etc/passwd", (tmp_path / "imports" / f"{token}.csv").as_posix()):
        response = client.post(URL, {"token": forged})
        assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert Sale.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV file"),
        (b"nombre,correo\nAna,ana@example.com\n", "Unknown header"),
        (
            b"order_id,ordered_at,customer_id,item_name,quantity,unit_price\n",
            "The file has a header row but no data rows.",
        ),
    ],
)
def test_whole_file_problems_get_a_friendly_message(manager_client, content, expected):
    response = manager_client.post(URL, upload("f.csv", content))

    assert response.status_code == 200
    assert response.context["problem"].startswith(expected)
    assert 'name="token"' not in response.content.decode()


def test_a_shopify_export_is_previewed_as_such(manager_client):
    content = (DATA / "shopify_orders_export.csv").read_bytes()
    response = manager_client.post(URL, upload("orders_export.csv", content))

    assert response.context["report"].format == "shopify"
    assert "Shopify" in response.content.decode()

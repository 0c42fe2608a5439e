"""The outbox as staff see it: pages, the API, templates with preview."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from followups.dispatch import dispatch_due
from followups.models import Kind, Message, MessageTemplate


@pytest.fixture
def some_mail(shop, outbox_mail):
    for _ in range(3):
        shop.sale(delivery={"promised_date": timezone.localdate() + dt.timedelta(days=2)})
    dispatch_due()
    return Message.objects.order_by("pk")


def test_the_outbox_lists_messages_with_state_and_filters(
    support_client, some_mail, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        page = support_client.get("/followups/messages/")
    assert page.status_code == 200 and len(page.context["object_list"]) == 3
    assert not support_client.get("/followups/messages/?state=planned").context["object_list"]
    detail = support_client.get(f"/followups/messages/{some_mail[0].pk}/")
    assert detail.status_code == 200 and "Enviado" in detail.content.decode()


def test_the_outbox_page_has_an_empty_state(support_client):
    assert (
        "No messages match"
        in support_client.get("/followups/messages/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


def test_messages_appear_on_the_customer_page_with_their_events(support_client, some_mail):
    message = some_mail[0]
    page = support_client.get(f"/customers/{message.customer_id}/")
    assert list(page.context["outbox_messages"]) == [message]
    assert "Enviado" in page.content.decode()


def test_the_messages_api_is_read_only_and_filterable(client, manager, some_mail):
    token = Token.objects.create(user=manager)
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    customer = some_mail[1].customer_id
    response = client.get(f"/api/v1/messages/?customer={customer}&kind=thank_you", **headers)
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["state"] == "sent" and row["events"][0]["event"] == "sent"
    assert client.get("/api/v1/messages/?state=planned", **headers).json()["count"] == 0
    assert client.post("/api/v1/messages/", {}, **headers).status_code == 405
    assert client.get("/api/v1/messages/").status_code == 401


def test_managers_edit_a_template_with_a_preview_and_can_reset_it(manager_client, some_mail):
    url = "/followups/templates/thank_you/es/"
    page = manager_client.get(url)
    assert page.status_code == 200 and page.context["preview"].subject.startswith("¡Gracias")
    response = manager_client.post(
        url,
        {"subject": "Hola {{ first_name }}", "text_body": "Pedido {{ sale.external_id }}", "html_body": ""},
    )
    assert response.status_code == 302
    assert MessageTemplate.objects.get(kind=Kind.THANK_YOU, language="es").subject == "Hola {{ first_name }}"
    preview = manager_client.get(url).context["preview"]
    assert preview.subject.startswith("Hola ") and "Pedido S" in preview.text
    manager_client.post(url, {"reset": "1"})
    assert not MessageTemplate.objects.exists()


def test_a_template_with_a_syntax_error_is_refused_with_a_message(manager_client, some_mail):
    response = manager_client.post(
        "/followups/templates/thank_you/es/", {"subject": "Hola {% if %}", "text_body": "x", "html_body": ""}
    )
    assert response.status_code == 200 and response.context["form"].errors["subject"]
    assert not MessageTemplate.objects.exists()


def test_support_cannot_edit_templates(support_client):
    assert support_client.get("/followups/templates/").status_code == 403
    assert support_client.get("/followups/templates/thank_you/es/").status_code == 403


def test_an_unknown_template_kind_is_404(manager_client):
    assert manager_client.get("/followups/templates/nope/es/").status_code == 404


def test_rules_form_refuses_bad_values(manager_client):
    response = manager_client.post("/followups/rules/", {"quiet_hours_start": 25})
    assert response.status_code == 200 and response.context["form"].errors

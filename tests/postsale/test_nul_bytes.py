"""A NUL byte anywhere in a request is a clear 400 on every page, never a 500 from the database."""

import pytest
from django.urls import reverse

from tests.customers.api_helpers import api_client

STAFF_LIST_PAGES = [
    "home",
    "customers:list",
    "customers:import",
    "followups:outbox",
    "followups:rules",
    "followups:templates",
    "followups:tips",
    "reports:retention",
]
API_LISTS = [
    "customer-list",
    "sale-list",
    "delivery-list",
    "complaint-list",
    "survey-answer-list",
    "message-list",
]
# Every filter these pages read, plus the search box.
PARAMS = [
    "q",
    "state",
    "status",
    "kind",
    "page",
    "search",
    "ordering",
    "category",
    "language",
    "channel",
    "late",
    "email",
    "external_id",
]


@pytest.mark.parametrize("name", STAFF_LIST_PAGES)
@pytest.mark.parametrize("param", PARAMS)
def test_every_staff_list_page_refuses_a_nul_byte(manager_client, name, param):
    response = manager_client.get(reverse(name) + f"?{param}=ab%00cd")

    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_the_reported_pages(manager_client):
    assert manager_client.get("/customers/?q=%00").status_code == 400
    assert manager_client.get("/followups/messages/?state=%00").status_code == 400
    assert manager_client.get("/customers/?q=ana").status_code == 200


@pytest.mark.parametrize("name", API_LISTS)
def test_every_api_list_refuses_a_nul_byte_with_json(manager, name):
    response = api_client(manager).get(reverse(name) + "?search=%00&ordering=%00")

    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_a_form_with_a_nul_byte_is_refused_and_changes_nothing(manager_client):
    from followups.models import FollowupRules

    before = FollowupRules.current()
    # how browsers post a form without a file
    response = manager_client.post(
        reverse("followups:rules"), "soft_bounce_limit=3%00", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert FollowupRules.current().soft_bounce_limit == before.soft_bounce_limit


def test_a_nul_byte_in_a_key_or_the_path_is_refused(manager_client):
    assert manager_client.get("/customers/?%00=1").status_code == 400
    assert manager_client.get("/customers/%00/").status_code in (400, 404)


@pytest.mark.django_db
def test_customers_pages_refuse_it_too(client):
    assert client.get("/c/s/some-token/?x=%00").status_code == 400

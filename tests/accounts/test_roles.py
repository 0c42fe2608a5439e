import pytest
from django.contrib.auth.models import Group


@pytest.mark.django_db
def test_the_roles_migration_creates_both_groups_with_permissions():
    support = Group.objects.get(name="Support")
    manager = Group.objects.get(name="Manager")
    support_perms = set(support.permissions.values_list("codename", flat=True))
    manager_perms = set(manager.permissions.values_list("codename", flat=True))
    assert {"view_customer", "change_complaint", "add_timelineentry"} <= support_perms
    assert "view_reports" not in support_perms
    assert {"view_reports", "change_followuprules", "delete_customer"} <= manager_perms
    assert support_perms <= manager_perms


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/customers/", "/reports/", "/followups/rules/"])
def test_staff_pages_need_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", ["/reports/", "/followups/rules/"])
def test_support_gets_403_on_manager_pages(support_client, url):
    assert support_client.get(url).status_code == 403


@pytest.mark.parametrize("url", ["/reports/", "/followups/rules/"])
def test_managers_see_reports_and_settings(manager_client, url):
    assert manager_client.get(url).status_code == 200


def test_support_navigation_hides_manager_links(support_client):
    body = support_client.get("/", follow=True).content.decode()  # "/" is their queue
    assert "/reports/" not in body
    assert "/customers/" in body


def test_login_and_logout_through_the_pages(client, manager):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    response = client.post("/accounts/login/", {"username": "marta", "password": "pw-marta"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_a_wrong_password_shows_the_form_again(client, manager):
    response = client.post("/accounts/login/", {"username": "marta", "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].errors

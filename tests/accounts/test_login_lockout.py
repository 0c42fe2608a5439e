"""Logins lock after a few wrong passwords (per user name and per address); resets are rate-limited."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User

LOGIN = "/accounts/login/"
RESET = "/accounts/password_reset/"


@pytest.fixture
def ana(db):
    return User.objects.create_user("ana", email="ana@example.com", password="right-horse-battery")


def login(client, username, password, ip="198.51.100.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_thirty_wrong_passwords_lock_the_user_and_the_right_one_then_fails(client, ana, settings):
    answers = [login(client, "ana", f"guess-{i}").status_code for i in range(30)]

    assert answers[: settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert set(answers[settings.AXES_FAILURE_LIMIT :]) == {429}
    locked = login(client, "ana", "right-horse-battery")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "locked" in locked.content.decode().lower() or "bloquead" in locked.content.decode()


def test_the_lock_is_per_user_name_from_any_address(client, ana, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        login(client, "ana", "wrong", ip=f"203.0.113.{i}")
    assert login(client, "ana", "right-horse-battery", ip="192.0.2.99").status_code == 429


def test_the_lock_is_per_address_across_user_names(client, ana, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        login(client, f"someone{i}", "wrong", ip="203.0.113.5")
    assert login(client, "ana", "right-horse-battery", ip="203.0.113.5").status_code == 429
    # another address is not held back by that one
    assert login(client, "ana", "right-horse-battery", ip="192.0.2.1").status_code == 302


def test_the_address_behind_a_trusted_proxy_is_the_clients(client, ana, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": f"x{i}", "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )
    assert AccessAttempt.objects.filter(ip_address="203.0.113.5").exists()
    other = client.post(
        LOGIN,
        {"username": "ana", "password": "right-horse-battery"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.1",
    )
    assert other.status_code == 302


def test_a_manager_unlocks_and_the_user_logs_in(client, ana, manager, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "ana", "wrong")
    assert login(client, "ana", "right-horse-battery").status_code == 429

    client.force_login(manager)
    page = client.get("/accounts/lockouts/")
    assert page.status_code == 200 and "ana" in page.content.decode()
    assert (
        client.post("/accounts/lockouts/", {"username": "ana", "ip_address": "198.51.100.7"}).status_code
        == 302
    )
    client.logout()

    assert login(client, "ana", "right-horse-battery").status_code == 302


def test_only_managers_see_the_lockouts(client, support):
    assert client.get("/accounts/lockouts/").status_code in (302, 403)
    client.force_login(support)
    assert client.get("/accounts/lockouts/").status_code == 403
    assert client.post("/accounts/lockouts/", {"username": "ana"}).status_code == 403


def test_password_resets_are_rate_limited(client, ana, mailoutbox, settings):
    answers = [client.post(RESET, {"email": "ana@example.com"}) for _ in range(10)]

    assert len(mailoutbox) == settings.PASSWORD_RESET_PER_EMAIL_PER_HOUR
    limited = answers[-1]
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert [a.status_code for a in answers[:3]] == [302] * 3


def test_the_reset_limit_says_the_same_for_unknown_addresses(client, ana, mailoutbox, settings):
    answers = [client.post(RESET, {"email": "nobody@example.com"}).status_code for _ in range(5)]
    assert answers == [302] * 3 + [429] * 2 and mailoutbox == []


def test_resets_per_client_are_limited_across_addresses(client, db, mailoutbox, settings):
    answers = [client.post(RESET, {"email": f"p{i}@example.com"}).status_code for i in range(12)]
    assert answers.count(429) == 12 - settings.PASSWORD_RESET_PER_IP_PER_HOUR

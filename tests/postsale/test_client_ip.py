"""The public rate limit keys on the client, not on the proxy in front of us."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from postsale.lib.client_ip import client_ip
from postsale.lib.env import envcidrs
from postsale.lib.public import PER_IP_PER_MINUTE

PROXY = "10.0.0.7"


def ip(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert ip("203.0.113.9", "198.51.100.1") == "203.0.113.9"


def test_from_a_trusted_proxy_the_client_is_the_first_untrusted_hop_from_the_right(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8::/32"]
    assert ip(PROXY, "198.51.100.1") == "198.51.100.1"
    # the client wrote its own header: what it wrote is to the left of what our proxy appended
    assert ip(PROXY, "1.1.1.1, 198.51.100.1") == "198.51.100.1"
    # two of our proxies in a row
    assert ip(PROXY, "198.51.100.1, 10.0.0.3") == "198.51.100.1"
    assert ip("2001:db8::5", "2001:db8:ffff::1, 192.0.2.44") == "192.0.2.44"
    # no header, or nothing usable: the proxy itself
    assert ip(PROXY) == PROXY
    assert ip(PROXY, "not-an-ip") == PROXY


def test_from_anyone_else_the_header_is_not_believed(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert ip("203.0.113.9", "10.0.0.1, 198.51.100.1") == "203.0.113.9"


def test_a_bad_network_in_the_setting_fails_at_start_up(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal")
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        envcidrs("TRUSTED_PROXIES", [])
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8, ::1")
    assert envcidrs("TRUSTED_PROXIES", []) == ["10.0.0.0/8", "::1"]


def hammer(client, forwarded, count, remote=PROXY):
    return [
        client.get(f"/c/s/no-such-token-{i}/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
        for i in range(count)
    ]


# The limit counts per fixed minute: a frozen clock keeps a slow run from crossing a window's edge.
def within_one_window():
    return time_machine.travel(dt.datetime(2026, 3, 10, 9, 0, 5, tzinfo=dt.UTC), tick=False)


@pytest.mark.django_db
@within_one_window()
def test_customers_behind_one_proxy_have_their_own_buckets_and_429_says_when_to_retry(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    answers = hammer(client, "198.51.100.1", PER_IP_PER_MINUTE + 1)

    assert [r.status_code for r in answers[:-1]] == [404] * PER_IP_PER_MINUTE
    limited = answers[-1]
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    # another customer through the same proxy is not held back by the first one
    assert hammer(client, "198.51.100.2", 1)[0].status_code == 404


@pytest.mark.django_db
@within_one_window()
def test_a_client_cannot_dodge_the_limit_by_writing_the_header(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    answers = [
        client.get(
            f"/c/s/no-such-token-{i}/",
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i % 250}",
        )
        for i in range(PER_IP_PER_MINUTE + 1)
    ]
    assert answers[-1].status_code == 429

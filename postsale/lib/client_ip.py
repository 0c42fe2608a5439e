"""Who the client is, for rate limits, lockouts and the answers' records.

Behind a reverse proxy every request comes from the proxy's address; the client's is in
X-Forwarded-For. That header is believed only when the request reaches us from a proxy listed in
TRUSTED_PROXIES, and then read from the right: each trusted proxy appends the address it received
from, so the first address from the right that is not one of our proxies is the client. Whatever
a client writes in the header itself sits to the left of that and is never used.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from rest_framework import throttling


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    if address is None:
        return False
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    return any(address.version == net.version and address in net for net in networks)


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if not networks or not _trusted(_address(remote), networks):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    client = remote
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:  # a trusted proxy would not write this: stop at the last good hop
            break
        client = str(address)
        if not _trusted(address, networks):
            break
    return client


class AnonRateThrottle(throttling.AnonRateThrottle):
    """DRF's, keyed on the same client address (DRF alone believes any X-Forwarded-For)."""

    def get_ident(self, request):
        return client_ip(request)


class UserRateThrottle(throttling.UserRateThrottle):
    def get_ident(self, request):
        return client_ip(request)

"""Clients and payloads for the REST API tests."""

import copy

from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

SALE = {
    "external_id": "WEB-1001",
    "ordered_at": "2025-03-03T10:15:00+01:00",
    "channel": "online",
    "currency": "eur",
    "customer": {
        "external_id": "C-77",
        "name": "Lucía Pérez",
        "email": "lucia@example.com",
        "phone": "+34600111222",
        "birth_date": "1990-05-17",
        "language": "es",
        "time_zone": "Europe/Madrid",
    },
    "lines": [
        {"sku": "KT-1", "name": "Kettle", "category": "kitchen", "quantity": 2, "unit_price": "24.50"},
        {"sku": "MG-2", "name": "Mug", "category": "kitchen", "quantity": 1, "unit_price": "6.00"},
    ],
    "delivery": {
        "carrier": "SEUR",
        "tracking_number": "SE123",
        "promised_date": "2025-03-06",
        "status": "in_transit",
    },
}


def sale_payload(**changes) -> dict:
    """The sample order above, with top-level keys replaced."""
    return {**copy.deepcopy(SALE), **changes}


def api_client(user: User | None = None) -> APIClient:
    """A client authenticated the way integrators are: an Authorization: Token header."""
    client = APIClient()
    if user is not None:
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client

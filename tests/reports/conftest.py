import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english(client):
    """The tests read English; the Spanish test asks for Spanish itself."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english(request, client):
    """The tests read English; the Spanish test asks for Spanish itself. The dashboard's tests
    (dashboard/) choose their language each."""
    if "dashboard" in request.path.parts:
        yield
        return
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield

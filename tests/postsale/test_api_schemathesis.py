"""schemathesis over the whole API, every check, at a bounded number of examples per operation.

The schema must say what the server does: every status code and body, the shapes of the bodies it
takes (unknown fields and wrong types are refused), no 5xx. The settings schemathesis reads are in
schemathesis.toml (no NUL bytes generated; writes may refuse schema-valid bodies by business rule).
Marked slow (about a minute); CI runs it: `pytest -m slow tests/postsale/test_api_schemathesis.py`.
The CLI, with the stateful phase too, against a running server:
    st run http://127.0.0.1:8000/api/v1/schema/ --checks all -H "Authorization: Token <key>" -n 30
"""

import pytest

schemathesis = pytest.importorskip("schemathesis")

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.signals import request_finished, request_started  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from schemathesis.checks import CHECKS  # noqa: E402

from postsale.wsgi import application  # noqa: E402

MAX_EXAMPLES = 25


@pytest.fixture
def api_schema(db):
    return schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The WSGI application is called in this process, as a server would call it: every request
    starts and ends with Django's close_old_connections. Inside the test's transaction autocommit
    is off, which that reads as "the application left the connection in a bad state", so it
    closed it: on PostgreSQL the next query met "connection already closed" (SQLite's in-memory
    test database ignores close()). Django's own test client unhooks it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db):
    user = User.objects.create_user("st-manager")
    user.groups.add(Group.objects.get(name="Manager"))
    return Token.objects.create(user=user).key


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_the_api_does_what_its_schema_says(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS.get_all())

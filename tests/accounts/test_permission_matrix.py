"""Every URL pattern, for every kind of visitor, answers the status its rule says.

The table below names each URL (by its name) with the status a GET gets from: anonymous,
a signed-in user with no role, Support, Manager. A URL added without a row here fails
`test_every_url_has_a_rule`, so no page ships without someone deciding who may see it.
"""

import pytest
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import make_staff
from tests.customers.factories import ComplaintFactory, CustomerFactory, SaleFactory

ROLES = ("anonymous", "no_role", "support", "manager")
LOGIN = 302  # sent to the login page
# (anonymous, no role, support, manager)
STAFF_ALL = (LOGIN, 403, 200, 200)
MANAGERS = (LOGIN, 403, 403, 200)
OPEN = (200, 200, 200, 200)
API_READ = (401, 403, 200, 200)
GONE = (404, 404, 404, 404)  # customers' pages with a token that is not valid: same for everyone

EXPECTED = {
    # staff pages
    "home": (LOGIN, 403, 302, 200),  # support staff are sent on to their queue
    "customers:list": STAFF_ALL,
    "customers:detail": STAFF_ALL,
    "customers:import": MANAGERS,
    "customers:import_job": (LOGIN, 403, 403, 404),  # allowed; no job of this manager's with that id
    "customers:import_confirm": (LOGIN, 403, 403, 405),  # POST only
    "customers:import_discard": (LOGIN, 403, 403, 405),  # POST only
    "followups:outbox": STAFF_ALL,
    "followups:message": (LOGIN, 403, 404, 404),  # allowed; no message with that id
    "followups:rules": MANAGERS,
    "followups:templates": MANAGERS,
    "followups:template_edit": MANAGERS,
    "followups:tips": MANAGERS,
    "followups:tip_edit": MANAGERS,
    "reports:retention": MANAGERS,
    "customers:action": (LOGIN, 403, 405, 405),  # POST only
    "customers:one_off_preview": (LOGIN, 403, 405, 405),
    "customers:one_off_send": (LOGIN, 403, 405, 405),
    "customers:history": STAFF_ALL,
    "support:case_history": STAFF_ALL,
    "support:queue": STAFF_ALL,
    "support:take_next": (LOGIN, 403, 405, 405),
    "support:case": (LOGIN, 403, {200, 404}, {200, 404}),  # 404 where the test case has another id
    "support:reply_preview": (LOGIN, 403, 405, 405),
    "support:macro_apply": (LOGIN, 403, 405, 405),
    "support:case_action": (LOGIN, 403, 405, 405),
    "support:notification_read": (LOGIN, 403, 405, 405),
    "support:macros": MANAGERS,
    "support:macro_edit": (LOGIN, 403, 403, 404),  # allowed; no macro with that id
    "support:calendar": MANAGERS,
    "reports:at_risk": MANAGERS,
    "campaigns:list": MANAGERS,
    "campaigns:create": MANAGERS,
    "campaigns:detail": (LOGIN, 403, 403, 404),  # allowed; no campaign with that id
    "campaigns:edit": (LOGIN, 403, 403, 404),  # allowed; no campaign with that id
    "campaigns:results": (LOGIN, 403, 403, 404),  # allowed; no campaign with that id
    "campaigns:launch": (LOGIN, 403, 403, 405),  # POST only
    "campaigns:stop": (LOGIN, 403, 403, 405),
    "campaign-list": (401, 403, 403, 200),
    "campaign-detail": (401, 403, 403, 404),
    "campaign-results": (401, 403, 403, 404),
    "reports:satisfaction": MANAGERS,
    "reports:purchases": MANAGERS,
    "reports:segment": (LOGIN, 403, 403, 404),  # allowed; no segment called "1"
    "reports:delivery": MANAGERS,
    "reports:cases": MANAGERS,
    "reports:messages": MANAGERS,
    "reports:digest": (LOGIN, 403, 403, 405),  # POST only
    "reports:export": (LOGIN, 403, 403, 404),  # allowed; no table called "1"
    "reports:at_risk_threshold": (LOGIN, 403, 403, 405),  # POST only
    "followups:message_retry": (LOGIN, 403, 405, 405),  # POST only
    # accounts: open so anyone can log in, out, or reset; the unlock page is managers'
    "login": OPEN,
    "logout": (405, 405, 405, 405),  # POST only
    "password_reset": OPEN,
    "password_reset_done": OPEN,
    "password_reset_confirm": OPEN,
    "password_reset_complete": OPEN,
    "password_change": (LOGIN, 200, 200, 200),
    "password_change_done": (LOGIN, 200, 200, 200),
    "lockouts": (403, 403, 403, 200),
    "admin:login": (200, 200, 200, 302),  # a manager is in already
    "set_language": (302, 302, 302, 302),  # GET just goes back
    # health checks
    "healthz": OPEN,
    "readyz": OPEN,
    # customers' pages (reached from a mail with a token)
    "mail:unsubscribe": GONE,
    "mail:preferences": GONE,
    "mail:delay": GONE,
    "survey:answer": GONE,
    "survey:thanks": GONE,
    "survey:order": GONE,
    # the REST API (session or token; model permissions)
    "api-schema": OPEN,
    "api-docs": OPEN,
    "api-root": (401, 200, 200, 200),  # lists the endpoints' addresses, no data
    "customer-list": API_READ,
    "customer-detail": API_READ,
    "sale-list": API_READ,
    "sale-detail": API_READ,
    "sale-delivery": (401, 403, 405, 405),  # PATCH only
    "sale-bulk": (401, 403, 405, 405),  # POST only
    "delivery-list": API_READ,
    "delivery-detail": (401, 403, 404, 404),  # allowed; no delivery with that id
    "complaint-list": API_READ,
    "complaint-detail": API_READ,
    "complaint-resolve": (401, 403, 405, 405),  # POST only
    "message-list": API_READ,
    "message-detail": (401, 403, 404, 404),
    "survey-answer-list": API_READ,
    "api-metrics": (401, 403, 403, 200),  # managers' numbers
    "survey-answer-detail": (401, 403, 404, 404),
}
# Whole namespaces with one rule: the admin is for is_staff accounts only (none of ours here);
# ESP webhooks answer only the configured ESP (none in the tests): 404 to everyone.
# Managers use the admin (Django's own per-model permissions answer 200 or 403 inside it).
ADMIN_INSIDE = "200 or 403"
NAMESPACES = {"admin": (LOGIN, LOGIN, LOGIN, ADMIN_INSIDE), "anymail": GONE}


def walk(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace])) or None
            yield from walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def argument_names(pattern) -> list[str]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters:  # path("<int:pk>/")
        return list(converters)
    return list(pattern.pattern.regex.groupindex)  # re_path / the router's patterns


def url_names() -> dict[str, list[str]]:
    """name -> the arguments of its first pattern without a format suffix."""
    names = {}
    for name, pattern in walk(get_resolver().url_patterns):
        args = argument_names(pattern)
        if "format" not in args and name not in names:
            names[name] = args
    return names


def expected_for(name: str):
    namespace = name.split(":")[0] if ":" in name else None
    return EXPECTED.get(name) or NAMESPACES.get(namespace)


def test_every_url_has_a_rule():
    missing = [name for name in url_names() if expected_for(name) is None]
    assert missing == [], f"add these URL names to EXPECTED with who may see them: {missing}"


@pytest.fixture
def objects(db):
    customer = CustomerFactory()
    sale = SaleFactory(customer=customer, external_id="ORD-1")
    complaint = ComplaintFactory(customer=customer, sale=sale)
    return {"customer": customer, "sale": sale, "complaint": complaint}


def build_url(name: str, args: list[str], objects) -> str:
    values = {
        "pk": 1,
        "object_id": "1",
        "app_label": "customers",
        "model_name": "customer",
        "external_id": objects["sale"].external_id,
        "kind": "thank_you",
        "language": "es",
        "category": "hogar",
        "token": "not-a-real-token",
        "uidb64": "MQ",
        "content_type_id": "1",
        "url": "x",
    }
    pk_of = {
        "customers:detail": "customer",
        "customers:history": "customer",
        "support:case_history": "complaint",
        "customer-detail": "customer",
        "complaint-detail": "complaint",
        "complaint-resolve": "complaint",
    }
    if name in pk_of:
        values["pk"] = objects[pk_of[name]].pk
    return reverse(name, kwargs={arg: values.get(arg, "1") for arg in args})


def visitor(client, role):
    if role == "no_role":
        client.force_login(User.objects.create_user("nadie", password="pw-nadie"))
    elif role in ("support", "manager"):
        client.force_login(make_staff(role, role.title()))
    return client


@pytest.mark.parametrize("role", ROLES)
def test_each_url_answers_each_visitor_as_its_rule_says(client, objects, role):
    client = visitor(client, role)
    column = ROLES.index(role)
    wrong = {}
    for name, args in sorted(url_names().items()):
        rule = expected_for(name)
        if rule is None:
            continue  # reported by test_every_url_has_a_rule
        try:
            url = build_url(name, args, objects)
        except Exception:  # noqa: BLE001 - admin URLs with choices we did not guess
            if name.startswith("admin:"):
                continue
            raise
        status = client.get(url).status_code
        if rule[column] == ADMIN_INSIDE and status in (200, 302, 403, 404, 405):
            continue
        if isinstance(rule[column], set) and status in rule[column]:
            continue
        if status != rule[column]:
            wrong[name] = (url, status, rule[column])
    assert wrong == {}, f"{role}: (url, got, expected) {wrong}"


@pytest.mark.django_db
def test_a_user_with_no_role_reads_no_customer_data(client, objects):
    visitor(client, "no_role")
    for url in ("/", "/customers/", f"/customers/{objects['customer'].pk}/"):
        response = client.get(url)
        assert response.status_code == 403
        assert objects["customer"].email not in response.content.decode()

"""Who changed what on customers and cases (django-simple-history): the author of each edit, from
the staff pages, the admin and the API, with the values before and after, shown on the pages."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from customers import services
from customers.history import changes
from customers.models import Complaint, Customer
from tests.conftest import make_staff
from tests.customers.api_helpers import api_client
from tests.customers.factories import ComplaintFactory, CustomerFactory

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).parent.parent / "customers" / "data" / "sales_sample.csv"


def customer_page(client, customer) -> str:
    return client.get(reverse("customers:detail", args=[customer.pk])).content.decode()


def history_items(page: str) -> str:
    return page[page.index('id="history"') :]


def test_an_api_edit_records_its_author_and_before_and_after(support, support_client):
    customer = CustomerFactory(name="Ana Díaz", phone="600 111 222", language="es")
    api = api_client(support)  # token auth: DRF sets the user on the request the middleware keeps

    response = api.patch(
        f"/api/v1/customers/{customer.pk}/", {"phone": "611 000 000", "language": "en"}, format="json"
    )

    assert response.status_code == 200
    with translation.override("en"):
        (change, *_older) = changes(customer.history.all())
    assert change.author == support
    assert {(f.name, f.before, f.after) for f in change.fields} == {
        ("phone", "600 111 222", "611 000 000"),
        ("language", "Spanish", "English"),
    }
    shown = history_items(customer_page(support_client, customer))
    assert "Sergio" in shown and "600 111 222" in shown and "611 000 000" in shown
    assert re.search(
        r'data-field="phone">[^<]*<span class="before">600 111 222</span> → <span class="after">611 000 000',
        shown,
    )


def test_a_staff_page_edit_of_consent_and_pause_is_in_the_history(support_client, support):
    customer = CustomerFactory(marketing_consent=False)
    url = reverse("customers:action", args=[customer.pk, "consent"])
    support_client.post(url, {"marketing_consent": "on", "why": "asked by phone"})
    support_client.post(reverse("customers:action", args=[customer.pk, "pause"]))

    with translation.override("en"):
        newest, consent = changes(customer.history.all())[:2]
    assert newest.author == consent.author == support
    assert [(f.name, f.before, f.after) for f in newest.fields] == [("do_not_contact", "no", "yes")]
    assert "marketing_consent" in {f.name for f in consent.fields}


def test_an_admin_edit_records_the_manager_and_the_values(client):
    manager = make_staff("marta", "Manager")
    customer = CustomerFactory(name="Ana Díaz", email="ana@example.com", language="es")
    client.force_login(manager)
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update(name="Ana Díaz Ruiz", lifecycle_stage="loyal")
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    found = {f.name: (f.before, f.after) for c in changes(customer.history.all()) for f in c.fields}
    assert found["name"] == ("Ana Díaz", "Ana Díaz Ruiz")
    assert "lifecycle_stage" in found  # the by-hand field is saved, not UPDATEd, so it is recorded
    assert {c.author for c in changes(customer.history.all()) if c.kind == "changed"} == {manager}
    # the admin's own history page lists them too (SimpleHistoryAdmin)
    assert client.get(reverse("admin:customers_customer_history", args=[customer.pk])).status_code == 200


def test_a_case_edit_on_its_page_and_in_the_admin_shows_on_the_case_page(support_client, support, client):
    case = ComplaintFactory(severity="normal")
    response = support_client.post(
        reverse("support:case_action", args=[case.pk, "severity"]), {"severity": "high"}
    )
    assert response.status_code == 302
    manager = make_staff("marta", "Manager")
    client.force_login(manager)
    url = reverse("admin:customers_complaint_change", args=[case.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update(description="Caja abierta al llegar")
    data = {k: v for k, v in data.items() if v not in (False, "")}
    data["customer"], data["assignee"] = case.customer_id, ""
    assert client.post(url, data).status_code == 302

    recorded = changes(case.history.all())
    assert [(c.author, [f.name for f in c.fields]) for c in recorded[:2]] == [
        (manager, ["description"]),
        (support, ["severity"]),
    ]
    page = support_client.get(reverse("support:case", args=[case.pk])).content.decode()
    shown = history_items(page)
    assert "Caja abierta al llegar" in shown and "Marta" in shown and "Sergio" in shown
    assert re.search(
        r'data-field="severity">[^<]*<span class="before">[^<]+</span> → <span class="after">', shown
    )


def test_a_save_of_the_sla_clocks_only_leaves_no_history_row(db):
    case = ComplaintFactory()
    before = case.history.count()
    services.complaint_sla_refresh(complaint=case)
    assert case.history.count() == before


def test_the_import_writes_no_history(db):
    call_command("import_sales", str(SAMPLE))
    assert Customer.objects.exists()
    assert Customer.history.count() == 0 and Complaint.history.count() == 0


def test_the_history_page_is_paginated_and_the_customer_page_shows_the_latest(support_client, support):
    customer, _ = services.customer_upsert(external_id="C-1", name="Ana", phone="1")
    for n in range(2, 62):
        services.customer_update(customer=customer, phone=str(n))
    page = customer_page(support_client, customer)
    assert history_items(page).count('data-field="phone"') == 10
    assert reverse("customers:history", args=[customer.pk]) in page

    first = support_client.get(reverse("customers:history", args=[customer.pk]))
    assert first.status_code == 200 and len(first.context["changes"]) == 50 and first.context["has_next"]
    second = support_client.get(reverse("customers:history", args=[customer.pk]) + "?page=2")
    kinds = [c.kind for c in second.context["changes"]]
    assert kinds[-1] == "created" and len(kinds) == 11 and not second.context["has_next"]
    assert support_client.get(reverse("customers:history", args=[customer.pk]) + "?page=x").status_code == 200


def test_a_user_with_no_role_sees_no_history(client, db):
    from django.contrib.auth.models import User

    customer, case = CustomerFactory(), ComplaintFactory()
    client.force_login(User.objects.create_user("nadie", password="pw-nadie"))
    assert client.get(reverse("customers:history", args=[customer.pk])).status_code == 403
    assert client.get(reverse("support:case_history", args=[case.pk])).status_code == 403


def test_a_stale_instance_saving_some_fields_does_not_record_other_edits_undone(db):
    customer, _ = services.customer_upsert(external_id="C-1", name="Ana", phone="600 111 222")
    stale = Customer.objects.get(pk=customer.pk)
    services.customer_update(customer=customer, phone="611 000 000")
    services.consent_change(customer=stale, marketing_consent=True, source="phone")  # saves 3 fields
    newest = changes(stale.history.all())[0]
    assert "phone" not in {f.name for f in newest.fields}
    assert stale.history.first().phone == "611 000 000"

"""The outbox pages newest first without counting every message: next / previous only."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from followups.models import Message
from tests.customers.factories import CustomerFactory


def fill(count: int) -> list[int]:
    customer = CustomerFactory()
    now = timezone.now()
    Message.objects.bulk_create(
        Message(
            kind="thank_you",
            category="transactional",
            customer=customer,
            dedupe_key=f"paging:{i}",
            planned_at=now - dt.timedelta(minutes=i),
            expires_at=now + dt.timedelta(days=1),
        )
        for i in range(count)
    )
    return list(Message.objects.order_by("-planned_at", "-pk").values_list("pk", flat=True))


def test_pages_follow_each_other_newest_first_and_none_counts(support_client):
    newest_first = fill(51)
    with CaptureQueriesContext(connection) as queries:
        first = support_client.get("/followups/messages/")
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    assert [m.pk for m in first.context["object_list"]] == newest_first[:50]
    assert first.context["page_obj"].has_next() and not first.context["page_obj"].has_previous()
    second = support_client.get("/followups/messages/?page=2")
    assert [m.pk for m in second.context["object_list"]] == newest_first[50:]
    assert not second.context["page_obj"].has_next() and second.context["page_obj"].has_previous()


def test_a_page_past_the_end_or_not_a_number_is_not_found(support_client):
    fill(3)
    assert support_client.get("/followups/messages/?page=2").status_code == 404
    assert support_client.get("/followups/messages/?page=x").status_code == 404
    assert support_client.get("/followups/messages/?page=0").status_code == 404

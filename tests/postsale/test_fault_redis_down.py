"""Redis (broker and cache) stopped while customers and integrators keep using the site.

Real processes: gunicorn (2 workers), a Celery worker and beat, a private redis-server as their
broker and cache, the test database on PostgreSQL. While Redis is down, sales come in through the
API, customers answer their surveys and the ESP posts its delivery events; every one is stored.
Then Redis comes back and the worker drains the backlog: each thank-you goes out exactly once.

The outage lasts REDIS_OUTAGE_SECONDS (12 here; `make faults` runs the issue's full 60 s).
"""

import datetime as dt
import os
import re
import time
from collections import Counter

import pytest
import requests
from django.utils import timezone
from rest_framework.authtoken.models import Token

from followups.models import EventKind, FollowupRules, KeptMail, Kind, Message, MessageEvent, State
from surveys.models import Answer
from tests.followups.test_engine_integration import kept_per_message
from tests.people import FIREFOX
from tests.services import (
    database_url_of_test_db,
    free_port,
    private_queue,
    redis_pings,
    require_postgres,
    start_beat,
    start_redis,
    start_web,
    start_worker,
    stop,
    wait_for,
)
from tests.surveys.conftest import Surveyed, delivered_sale, sent_message

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

OUTAGE_SECONDS = float(os.environ.get("REDIS_OUTAGE_SECONDS", "12"))
WEBHOOK_AUTH = ("postsale", "fault-test")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STAMP = re.compile(r'name="stamp" value="([^"]+)"')


def sale_body(n: int) -> dict:
    return {
        "external_id": f"OUT-{n}",
        "ordered_at": timezone.now().isoformat(),
        "customer": {"external_id": f"C-OUT-{n}", "name": f"Cliente {n}", "email": f"out{n}@example.com"},
        "lines": [{"name": "Cafetera", "quantity": 1, "unit_price": "30.00"}],
    }


def answer_survey(base: str, survey: Surveyed, score: int) -> int:
    """A person's browser: opens the page from the mail's score link, answers, is sent on."""
    browser = requests.Session()
    browser.headers["User-Agent"] = FIREFOX
    page = browser.get(base + survey.score_path(score), timeout=10)
    assert page.status_code == 200, page.text[:300]
    form = {
        "score": score,
        "comment": "Todo bien",
        "stamp": STAMP.search(page.text).group(1),
        "interaction": "pointerdown",
        "csrfmiddlewaretoken": CSRF.search(page.text).group(1),
    }
    time.sleep(0.1)
    posted = browser.post(
        base + survey.answer_path, data=form, timeout=10, allow_redirects=False, headers={"Referer": page.url}
    )
    return posted.status_code


def delivery_event(esp_id: str) -> dict:
    return {
        "RecordType": "Delivery",
        "ServerID": 23,
        "MessageStream": "outbound",
        "MessageID": esp_id,
        "Recipient": "ana@example.com",
        "Tag": "survey",
        "DeliveredAt": "2026-03-10T12:01:00Z",
        "Details": "delivered",
        "Metadata": {},
    }


@pytest.fixture
def shop(db):
    require_postgres()
    rules = FollowupRules.current()
    rules.quiet_hours_start = rules.quiet_hours_end = 0
    rules.thank_you_delay_minutes = 0
    rules.frequency_cap = 50
    rules.save()


def test_with_redis_down_nothing_is_lost_and_the_backlog_drains_once_it_is_back(shop, tmp_path, manager):
    token = Token.objects.create(user=manager).key
    surveys = [Surveyed(sent_message(sale=delivered_sale())) for _ in range(8)]
    tracked = []
    for n in range(8):
        message = sent_message(kind=Kind.THANK_YOU, sale=delivered_sale(), key=f"tracked:{n}")
        message.esp_message_id = f"esp-{n:04d}"
        message.save(update_fields=["esp_message_id"])
        tracked.append(message)

    redis_port, web_port = free_port(), free_port()
    env = {
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "CACHE_URL": f"redis://127.0.0.1:{redis_port}/1",
        "WEBHOOK_ESPS": "postmark",
        "ANYMAIL_WEBHOOK_SECRET": ":".join(WEBHOOK_AUTH),
    }
    base = f"http://127.0.0.1:{web_port}"
    api = requests.Session()
    api.headers["Authorization"] = f"Token {token}"
    procs, redis_proc = [], start_redis(redis_port, tmp_path)
    with private_queue() as queue:
        try:
            procs += [start_worker(queue, env, concurrency=2), start_beat(queue, tmp_path, env)]
            procs.append(start_web(web_port, {**env, "DATABASE_URL": database_url_of_test_db()}))
            # Before: the pipeline works, one sale's thank-you goes out.
            assert api.post(base + "/api/v1/sales/", json=sale_body(0), timeout=10).status_code == 201
            assert wait_for(lambda: KeptMail.objects.count() == 1, timeout=60, interval=0.5)

            stop(redis_proc)  # broker and cache go away
            assert not redis_pings(redis_port)
            statuses: Counter = Counter()
            sales, answered, events = 1, 0, 0
            outage_starts = time.monotonic()
            outage_ends = outage_starts + OUTAGE_SECONDS

            def due(done: int, total: int) -> bool:  # answers and events spread over the outage
                return done < total and time.monotonic() >= outage_starts + OUTAGE_SECONDS * done / total

            while time.monotonic() < outage_ends or answered < len(surveys) or events < len(tracked):
                statuses[
                    "sale", api.post(base + "/api/v1/sales/", json=sale_body(sales), timeout=10).status_code
                ] += 1
                sales += 1
                if due(answered, len(surveys)):
                    statuses["answer", answer_survey(base, surveys[answered], score=answered + 3)] += 1
                    answered += 1
                if due(events, len(tracked)):
                    status = requests.post(
                        base + "/anymail/postmark/tracking/",
                        json=delivery_event(tracked[events].esp_message_id),
                        auth=WEBHOOK_AUTH,
                        timeout=10,
                    ).status_code
                    statuses["webhook", status] += 1
                    events += 1
                time.sleep(0.3)
            assert set(statuses) == {("sale", 201), ("answer", 303), ("webhook", 200)}, statuses
            # Stored, not sent: the outbox rows wait for the broker.
            assert KeptMail.objects.count() == 1
            assert Message.objects.filter(kind=Kind.THANK_YOU, state=State.PLANNED).count() == sales - 1

            redis_proc = start_redis(redis_port, tmp_path)  # back

            def drained():
                return not Message.objects.filter(
                    kind=Kind.THANK_YOU,
                    state__in=[State.PLANNED, State.SENDING],
                    planned_at__lte=timezone.now(),
                ).exists()

            started = time.monotonic()
            assert wait_for(drained, timeout=120, interval=1), Counter(Message.objects.values_list("state"))
            drain_seconds = time.monotonic() - started
        finally:
            for proc in procs:
                stop(proc)
            stop(redis_proc)
    print(
        f"outage {OUTAGE_SECONDS:.0f} s: {sales} sales, {answered} answers, {events} webhook events; "
        f"drained {drain_seconds:.1f} s after Redis came back"
    )
    recorded = Message.objects.filter(kind=Kind.THANK_YOU, sale__external_id__startswith="OUT-")
    assert recorded.count() == sales and recorded.filter(state=State.SENT).count() == sales
    per_message = kept_per_message()
    assert {pk: per_message[pk] for pk in recorded.values_list("pk", flat=True)} == dict.fromkeys(
        recorded.values_list("pk", flat=True), 1
    ), "each thank-you went out exactly once"
    assert Answer.objects.filter(invitation__in=[s.invitation for s in surveys]).count() == len(surveys)
    delivered = MessageEvent.objects.filter(event=EventKind.DELIVERED, message__in=tracked)
    assert delivered.count() == len(tracked)
    assert dt.timedelta(0) <= timezone.now() - recorded.latest("sent_at").sent_at < dt.timedelta(minutes=5)

"""The engine on PostgreSQL + Redis with real Celery processes: a day's mail, a killed worker,
a broker that goes away. Mail goes to the app's kept-mail backend (a table), which both the
worker and this test can see; the Message-ID header ties each kept mail to its outbox row."""

import datetime as dt
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from decimal import Decimal

import pytest
from django.utils import timezone

from customers import services
from followups.models import FollowupRules, KeptMail, Kind, Message, State, Suppression
from followups.tasks import (
    birthdays_sweep_task,
    dispatch_batch_task,
    dispatch_sweep_task,
    late_deliveries_sweep_task,
    recover_stuck_task,
)
from tests.services import (
    private_queue,
    require_postgres,
    require_redis,
    start_beat,
    start_worker,
    stop,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def services_up():
    require_postgres()
    require_redis()
    rules = FollowupRules.current()
    rules.quiet_hours_start = rules.quiet_hours_end = 0
    rules.thank_you_delay_minutes = 0
    rules.frequency_cap = 50
    # Birthday notes go out from birthday_hour for 14 hours: at this hour, so that a run late in
    # the evening or before dawn still finds today's notes due (the workers run on the real clock).
    rules.birthday_hour = timezone.localtime().hour
    rules.save()


def kept_per_message() -> Counter:
    ids = (headers.get("Message-ID", "") for headers in KeptMail.objects.values_list("headers", flat=True))
    return Counter(int(mid.split("-")[1].split("@")[0]) for mid in ids if mid.startswith("<postsale-"))


def record_sale(n: int, customer=None, **delivery):
    customer = (
        customer
        or services.customer_upsert(external_id=f"C{n}", name=f"Cliente {n}", email=f"c{n}@example.com")[0]
    )
    return services.sale_record(
        external_id=f"S{n}",
        customer=customer,
        ordered_at=timezone.now(),
        lines=[services.LineData(name="Cafetera", quantity=1, unit_price=Decimal("30"))],
        delivery=delivery or None,
    ).sale


def test_a_day_for_three_hundred_customers_sends_one_mail_per_row(services_up, tmp_path):
    today = timezone.localdate()
    suppressed = set()
    for n in range(300):
        sale = record_sale(n, promised_date=today + dt.timedelta(days=2))
        customer = sale.customer
        if n % 10 == 0:  # late: the carrier moved the date
            services.delivery_update(
                delivery=sale.delivery,
                status="delayed",
                delay_reason="carrier",
                estimated_date=today + dt.timedelta(days=5),
            )
        if n % 25 == 0:
            # Birthday customers of their own, with no order today: a thank-you sent first would
            # defer the birthday note by the gap between mails, as the rules mean it to.
            services.customer_upsert(
                external_id=f"B{n}",
                name=f"Cumple {n}",
                email=f"b{n}@example.com",
                birth_date=today.replace(year=1990),
            )
        if n % 30 == 1:
            services.do_not_contact_set(customer=customer, value=True)
            suppressed.add((customer.pk, customer.email))
        if n % 30 == 2:
            Suppression.objects.create(email=customer.email, category="", reason="hard_bounce")
            suppressed.add((customer.pk, customer.email))
    with private_queue() as queue:
        procs = [start_worker(queue, concurrency=2), start_beat(queue, tmp_path)]
        try:
            birthdays_sweep_task.delay()
            late_deliveries_sweep_task.delay()
            done = wait_for(
                lambda: (
                    not Message.objects.filter(
                        state__in=[State.PLANNED, State.SENDING], planned_at__lte=timezone.now()
                    ).exists()
                    and Message.objects.filter(kind=Kind.BIRTHDAY).exists()
                ),
                timeout=120,
                interval=1,
            )
        finally:
            for proc in procs:
                stop(proc)
    assert done, Counter(Message.objects.values_list("kind", "state"))
    sent = Message.objects.filter(state=State.SENT)
    kinds = Counter(sent.values_list("kind", flat=True))
    assert kinds[Kind.THANK_YOU] == 300 - len(suppressed)
    assert kinds[Kind.DELAY_NOTICE] == 30 - len({n for n in range(0, 300, 10) if n % 30 in (1, 2)})
    assert kinds[Kind.BIRTHDAY] == 12, Counter(
        Message.objects.filter(kind=Kind.BIRTHDAY).values_list("state", "reason")
    )
    per_message = kept_per_message()
    assert set(per_message) == set(sent.values_list("pk", flat=True))
    assert max(per_message.values()) == 1, "a message was sent twice"
    kept_to = set(KeptMail.objects.values_list("to", flat=True))
    assert kept_to.isdisjoint(email for _, email in suppressed)
    suppressed_ids = [pk for pk, _ in suppressed]
    assert not Message.objects.filter(customer_id__in=suppressed_ids, state=State.SENT).exists()
    assert Message.objects.filter(customer_id__in=suppressed_ids, state=State.SUPPRESSED).count() >= len(
        suppressed
    )


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_only_the_window(services_up):
    for n in range(600):
        record_sale(n)
    assert Message.objects.filter(state=State.PLANNED).count() == 600
    slow = {"KEPT_MAIL_LATENCY_MS": "15"}
    with private_queue() as queue:
        first = start_worker(queue, slow, concurrency=2, name="first")
        try:
            for _ in range(6):
                dispatch_batch_task.delay()
            assert wait_for(lambda: KeptMail.objects.count() >= 150, timeout=60, interval=0.1)
        finally:
            stop(first, signal.SIGKILL)
        # The ESP (here a table) may still be finishing a mail the dead worker handed it.
        time.sleep(1)
        in_flight = set(Message.objects.filter(state=State.SENDING).values_list("pk", flat=True))
        window = {pk for pk in kept_per_message() if pk in in_flight}
        assert in_flight, "the kill should land mid-batch"
        # A short lease for the test, still well longer than one batch takes (300 x ~25 ms), as
        # the real one (900 s) is longer than any task may run.
        second = start_worker(
            queue, {**slow, "FOLLOWUPS_SENDING_LEASE_SECONDS": "20"}, concurrency=2, name="second"
        )
        try:
            # Let the new worker finish the batches still queued, then the lease run out, so
            # the recovery sweep only ever meets the dead worker's rows.
            assert wait_for(
                lambda: (
                    set(Message.objects.filter(state=State.SENDING).values_list("pk", flat=True)) <= in_flight
                ),
                timeout=60,
            )
            time.sleep(20.5)
            recover_stuck_task.delay()
            wait_for(lambda: not Message.objects.filter(state=State.SENDING).exists(), timeout=30)

            def all_sent():
                if Message.objects.filter(state=State.SENT).count() == 600:
                    return True
                dispatch_sweep_task.delay()
                return False

            assert wait_for(all_sent, timeout=120, interval=2)
        finally:
            stop(second)
    per_message = kept_per_message()
    assert len(per_message) == 600, "every planned message went out"
    repeated = {pk for pk, n in per_message.items() if n > 1}
    assert repeated <= window, f"repeated outside the ESP-accepted window: {repeated - window}"
    assert len(repeated) <= 2, "at most one in-flight mail per pool process"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(port: int, workdir) -> subprocess.Popen:
    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed to run a broker this test can stop"
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    import redis

    assert wait_for(lambda: _pings(redis, port), timeout=10)
    return proc


def _pings(redis, port) -> bool:
    try:
        return redis.Redis(port=port, socket_connect_timeout=0.5).ping()
    except redis.ConnectionError:
        return False


def test_with_the_broker_down_sales_record_and_their_mail_goes_out_once_it_is_back(
    services_up, tmp_path, client, manager
):
    port = free_port()
    broker = {"REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    redis_proc = start_redis(port, tmp_path)
    with private_queue() as queue:
        procs = [start_worker(queue, broker), start_beat(queue, tmp_path, broker)]
        try:
            time.sleep(3)
            stop(redis_proc)  # the broker goes away
            from rest_framework.authtoken.models import Token

            token = Token.objects.create(user=manager)
            response = client.post(
                "/api/v1/sales/",
                {
                    "external_id": "DOWN-1",
                    "ordered_at": timezone.now().isoformat(),
                    "customer": {"external_id": "C-DOWN", "name": "Ana Pérez", "email": "ana@example.com"},
                    "lines": [{"name": "Cafetera", "quantity": 1, "unit_price": "30.00"}],
                },
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {token.key}",
            )
            assert response.status_code == 201, response.content
            message = Message.objects.get(kind=Kind.THANK_YOU, sale__external_id="DOWN-1")
            time.sleep(3)
            message.refresh_from_db()
            assert message.state == State.PLANNED
            redis_proc = start_redis(port, tmp_path)  # back
            assert wait_for(
                lambda: Message.objects.get(pk=message.pk).state == State.SENT, timeout=90, interval=1
            )
        finally:
            for proc in procs:
                stop(proc)
            stop(redis_proc)
    assert kept_per_message()[message.pk] == 1

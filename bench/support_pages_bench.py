"""Latency of the support workspace's pages on a large shop: p50 / p95 of the queue, a case
page, the customer page and the accent-blind search, through Django's test client.

    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/postsale_support \
        /work/main/.venv/bin/python bench/support_pages_bench.py 1000000 50

Fills the database (emptied first) with N customers (names with accents), one sale each and a
case for every 20th customer, with SQL generate_series on PostgreSQL, then requests each page
`rounds` times as a support user.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postsale.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from customers.models import Complaint, Customer  # noqa: E402
from customers.services import complaints_sla_recompute  # noqa: E402

NAMES = ["Díaz", "Gómez", "Peña", "Núñez", "Ruiz", "López", "García", "Martín", "Sáez", "Ibáñez"]
FILL = [
    "TRUNCATE customers_customer, customers_sale, customers_saleline, customers_delivery, "
    "customers_complaint, customers_timelineentry, customers_complaintstatuschange, "
    "customers_slaledgerentry, followups_message CASCADE",
    """INSERT INTO customers_customer (external_id, name, search_name, email, phone, search_phone,
         language, time_zone, marketing_consent, consent_source, do_not_contact, lifecycle_stage,
         feeling, created_at, updated_at)
       SELECT 'C' || i, 'Cliente ' || i || ' ' || (ARRAY{names})[1 + i % 10],
              lower(unaccent_names((ARRAY{names})[1 + i % 10], i)), 'c' || i || '@example.es',
              '+34 6' || lpad((i % 100000000)::text, 8, '0'), '346' || lpad((i % 100000000)::text, 8, '0'),
              'es', '', false, '', false, 'active', '', now(), now()
       FROM generate_series(1, {n}) AS i""",
    """INSERT INTO customers_sale (external_id, customer_id, ordered_at, channel, currency, total,
         created_at)
       SELECT 'ORD-' || c.id, c.id, now() - interval '3 days', 'online', 'EUR', 49.90, now()
       FROM customers_customer c""",
    """INSERT INTO customers_saleline (sale_id, sku, name, category, quantity, unit_price)
       SELECT s.id, 'SKU', 'Cafetera', 'hogar', 1, 49.90 FROM customers_sale s""",
    """INSERT INTO customers_complaint (customer_id, sale_id, reason, severity, status, source,
         description, opened_at, sla_due_at, compensation_kind, resolution_note, next_due_clock)
       SELECT s.customer_id, s.id, 'delivery_late', (ARRAY['low','normal','high','critical'])[1 + s.id % 4],
              CASE WHEN s.id % 3 = 0 THEN 'resolved' ELSE 'open' END, 'staff', '',
              now() - (s.id % 72) * interval '1 hour', now(), '', '', ''
       FROM customers_sale s WHERE s.customer_id % 20 = 0""",
]


def fill(n: int) -> None:
    with connection.cursor() as cursor:
        # Python's fold() would be faithful; for the bench the names' accents are few and known.
        cursor.execute("""CREATE OR REPLACE FUNCTION unaccent_names(last text, i int) RETURNS text
            LANGUAGE sql IMMUTABLE AS $$ SELECT 'cliente ' || i || ' ' ||
            translate(last, 'áéíóúñÁÉÍÓÚÑ', 'aeiounAEIOUN') $$""")
        names = "[" + ",".join(f"'{name}'" for name in NAMES) + "]"
        for sql in FILL:
            cursor.execute(sql.replace("{names}", names).replace("{n}", str(int(n))))
        cursor.execute("ANALYZE")
    complaints_sla_recompute(batch=2000)


def timed(client: Client, url: str, rounds: int) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main(n: int, rounds: int) -> None:
    call_command("migrate", verbosity=0)
    if Customer.objects.count() != n:
        started = time.perf_counter()
        fill(n)
        print(f"filled {n:,} customers in {time.perf_counter() - started:.0f} s")
    user, _ = User.objects.get_or_create(username="bench-support")
    user.groups.add(Group.objects.get(name="Support"))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    case = Complaint.objects.unresolved().order_by("next_due_at").first()
    pages = {
        "queue": "/support/",
        "queue (breached)": "/support/?view=breached",
        "case": f"/support/cases/{case.pk}/",
        "customer": f"/customers/{case.customer_id}/",
        "search 'diaz'": "/customers/?q=diaz",
        "search e-mail": "/customers/?q=c123456@",
        "API search": "/api/v1/customers/?search=nunez",
    }
    print(f"{'page':20} {'p50 ms':>8} {'p95 ms':>8}")
    for name, url in pages.items():
        p50, p95 = timed(client, url, rounds)
        print(f"{name:20} {p50:8.1f} {p95:8.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100000, int(sys.argv[2]) if len(sys.argv) > 2 else 30)

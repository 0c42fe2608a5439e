"""Planning a campaign for N customers: draw sent / holdout, plan the outbox rows, print seconds
and queries.

    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/postsale_camp \
        /work/main/.venv/bin/python bench/campaign_bench.py 200000

N customers with one sale each 120 days ago (bulk-generated, not timed) make the audience of a
win-back campaign (last purchase more than 90 days ago, consent); the timed part is
campaign_launch: the audience query, the draw, members, outbox rows and their links. The database
named by DATABASE_URL is emptied of campaigns, messages, sales and customers first.
"""

import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postsale.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from campaigns.models import Campaign, CampaignMember, Group  # noqa: E402
from campaigns.selectors import audience_preview  # noqa: E402
from campaigns.services import campaign_launch  # noqa: E402
from customers.models import Customer, Sale, SaleLine, TimelineEntry  # noqa: E402
from followups.models import Message  # noqa: E402

CHUNK = 10_000


def generate(n: int) -> None:
    with connection.cursor() as cursor:  # TRUNCATE: deleting 200,000 rows one cascade at a time is slow
        if connection.vendor == "postgresql":
            cursor.execute(
                "TRUNCATE campaigns_campaignmember, campaigns_campaign, "
                "followups_messageevent, followups_message, customers_timelineentry, "
                "customers_saleline, customers_delivery, customers_sale, "
                "customers_complaint, customers_customer CASCADE"
            )
        else:
            for model in (CampaignMember, Campaign, Message, TimelineEntry, SaleLine, Sale, Customer):
                model.objects.all().delete()
    then = timezone.now() - dt.timedelta(days=120)
    for start in range(0, n, CHUNK):
        customers = Customer.objects.bulk_create(
            Customer(
                external_id=f"CB{i}", name=f"Cliente {i}", email=f"cb{i}@example.com", marketing_consent=True
            )
            for i in range(start, min(n, start + CHUNK))
        )
        Sale.objects.bulk_create(
            Sale(external_id=f"SB{c.external_id}", customer=c, ordered_at=then, total=25) for c in customers
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main(n: int) -> None:
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    generate(n)
    print(f"generated {n} customers and sales in {time.perf_counter() - started:.1f} s")
    campaign = Campaign.objects.create(
        name="bench",
        schedule="winback",
        last_purchase_days=90,
        consent_only=True,
        subject_es="Hola",
        text_es="Hola {{ first_name }}",
        subject_en="Hi",
        text_en="Hi",
        holdout_percent=10,
        window_hours=24,
    )
    with CaptureQueriesContext(connection) as preview_queries:
        started = time.perf_counter()
        preview = audience_preview(campaign)
        preview_seconds = time.perf_counter() - started
    print(
        f"audience preview: size {preview['size']}, {preview_seconds:.2f} s, {len(preview_queries)} queries"
    )
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        drawn = campaign_launch(campaign=campaign)
        seconds = time.perf_counter() - started
    held = CampaignMember.objects.filter(campaign=campaign, group=Group.HOLDOUT).count()
    rows = Message.objects.filter(campaign_member__campaign=campaign).count()
    print(
        f"planned {drawn} customers ({held} holdout, {rows} outbox rows) in {seconds:.2f} s, "
        f"{len(queries)} queries ({drawn / seconds:,.0f} customers/s)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)

"""Purchase histories written straight into the sales table, in bulk (the services would plan
follow-ups per sale, which these tests do not read)."""

import datetime as dt
import zoneinfo
from decimal import Decimal

from customers.models import Customer, Sale

MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
DATA = __import__("pathlib").Path(__file__).parent / "data"


def histories_load(histories: dict[str, list[tuple[dt.date, Decimal]]]) -> dict[str, Customer]:
    """{external id: [(day, amount), ...]} -> the customers, with one sale per (day, amount), at noon."""
    customers = Customer.objects.bulk_create(
        Customer(external_id=key, name=f"Cliente {key}") for key in histories)
    by_key = {c.external_id: c for c in customers}
    Sale.objects.bulk_create(
        (Sale(external_id=f"{key}-{n}", customer=by_key[key], total=amount,
              ordered_at=dt.datetime.combine(day, dt.time(12), tzinfo=MADRID))
         for key, purchases in histories.items() for n, (day, amount) in enumerate(purchases)),
        batch_size=5000)
    return by_key


def cdnow_histories() -> dict[str, list[tuple[dt.date, Decimal]]]:
    histories: dict[str, list] = {}
    for line in (DATA / "CDNOW_sample.txt").read_text().splitlines():
        _master_id, sample_id, day, _cds, amount = line.split()
        histories.setdefault(sample_id, []).append(
            (dt.date(int(day[:4]), int(day[4:6]), int(day[6:])), Decimal(amount)))
    return histories

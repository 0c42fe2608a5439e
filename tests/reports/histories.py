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
        Customer(external_id=key, name=f"Cliente {key}") for key in histories
    )
    by_key = {c.external_id: c for c in customers}
    Sale.objects.bulk_create(
        (
            Sale(
                external_id=f"{key}-{n}",
                customer=by_key[key],
                total=amount,
                ordered_at=dt.datetime.combine(day, dt.time(12), tzinfo=MADRID),
            )
            for key, purchases in histories.items()
            for n, (day, amount) in enumerate(purchases)
        ),
        batch_size=5000,
    )
    return by_key


def cdnow_histories() -> dict[str, list[tuple[dt.date, Decimal]]]:
    histories: dict[str, list] = {}
    for line in (DATA / "CDNOW_sample.txt").read_text().splitlines():
        _master_id, sample_id, day, _cds, amount = line.split()
        histories.setdefault(sample_id, []).append(
            (dt.date(int(day[:4]), int(day[4:6]), int(day[6:])), Decimal(amount))
        )
    return histories


def simulated_population(
    n: int, *, start: dt.date, end: dt.date, seed: int = 7, prefix: str = "SIM"
) -> dict[str, list[tuple[dt.date, Decimal]]]:
    """n customers who arrive between start and the middle of the span, buy at a Gamma-spread
    weekly rate and leave after a purchase with a Beta-spread probability: the BG/NBD story."""
    import numpy as np

    rng = np.random.default_rng(seed)
    span = (end - start).days
    histories = {}
    for i in range(n):
        day = int(rng.integers(0, span // 2))
        rate = rng.gamma(0.8, 1 / 6)  # purchases per week
        leave = rng.beta(1.0, 3.0)
        spend = float(rng.gamma(4.0, 10.0))
        purchases = []
        while day <= span:
            purchases.append(
                (start + dt.timedelta(days=day), Decimal(f"{spend * rng.uniform(0.5, 1.5):.2f}"))
            )
            if rng.random() < leave:
                break
            day += max(1, int(round(rng.exponential(7 / rate))))
        histories[f"{prefix}{i:05d}"] = purchases
    return histories


def every(weeks: int, *, first: dt.date, times: int, amount: str = "60.00") -> list:
    return [(first + dt.timedelta(weeks=weeks * k), Decimal(amount)) for k in range(times)]

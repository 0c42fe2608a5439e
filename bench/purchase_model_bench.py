"""The nightly purchase-model refit over N buyers: time and peak memory.

    DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/postsale_bench \
        .venv/bin/python bench/purchase_model_bench.py 1000000     # the DESIGN's million
    ... bench/purchase_model_bench.py 100000 --reuse               # refit again, same data

The database named by DATABASE_URL is emptied of customers and sales, then N customers get two
years of purchase histories drawn from the BG/NBD story itself (Gamma-spread purchase rates,
Beta-spread drop-out after each purchase), loaded in bulk (COPY on PostgreSQL). The refit then
runs in a child process, so its peak memory (ru_maxrss) is its own, and prints each phase's time
(pull, fit on the sample, score, write, weekly snapshot, holdout check). Last, the parameters
fitted on the sample are compared with a fit on every buyer: the size of FIT_SAMPLE_SIZE's error.
"""

import argparse
import datetime as dt
import io
import logging
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postsale.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from customers.models import Customer, Sale  # noqa: E402

AS_OF = dt.date(2026, 6, 30)
START = AS_OF - dt.timedelta(weeks=104)
CHUNK = 100_000
MAX_PURCHASES = 40


def simulate(n: int, first_id: int, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(customer index, day offset, amount) of every purchase of n customers."""
    span = (AS_OF - START).days
    first = rng.integers(0, int(span * 0.9), n)
    rate = rng.gamma(0.8, 1 / 6, n) / 7  # purchases per day while alive
    alive_for = np.minimum(rng.geometric(rng.beta(1.0, 3.0, n)), MAX_PURCHASES)
    gaps = rng.exponential(1.0, (n, MAX_PURCHASES - 1)) / rate[:, None]
    days = np.concatenate([np.zeros((n, 1)), np.cumsum(gaps, axis=1)], axis=1) + first[:, None]
    keep = (np.arange(MAX_PURCHASES)[None, :] < alive_for[:, None]) & (days <= span)
    who, k = np.nonzero(keep)
    spend = rng.gamma(4.0, 10.0, n)
    amounts = np.round(spend[who] * rng.uniform(0.5, 1.5, len(who)), 2)
    return who + first_id, days[who, k].astype(np.int64), amounts


def load(n: int) -> int:
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        for table in ("reports_predictionhistory", "reports_customerprediction", "reports_purchasemodelfit"):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - constant table names
    Sale.objects.all().delete()
    Customer.objects.all().delete()
    rng = np.random.default_rng(1)
    now = dt.datetime.now(dt.UTC).isoformat()
    start = dt.datetime.combine(START, dt.time(10), tzinfo=dt.UTC)
    sales = 0
    base = _next_id()
    for offset in range(0, n, CHUNK):
        size = min(CHUNK, n - offset)
        ids = np.arange(base + offset, base + offset + size)
        who, days, amounts = simulate(size, base + offset, rng)
        customers = "".join(
            f"{i}\tB{i}\tCliente {i}\t\t\tes\t\tf\t\tf\tnew\t{now}\t{now}\n" for i in ids.tolist()
        )
        times = [(start + dt.timedelta(days=d)).isoformat() for d in days.tolist()]
        rows = zip(who.tolist(), times, amounts.tolist(), strict=True)
        lines = "".join(
            f"B{c}-{j}\t{c}\t{t}\tonline\tEUR\t{a:.2f}\t{now}\n" for j, (c, t, a) in enumerate(rows)
        )
        _copy(
            "customers_customer",
            "id, external_id, name, email, phone, language, time_zone, "
            "marketing_consent, consent_source, do_not_contact, lifecycle_stage, created_at, updated_at",
            customers,
        )
        _copy(
            "customers_sale",
            "external_id, customer_id, ordered_at, channel, currency, total, created_at",
            lines,
        )
        sales += len(who)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('customers_customer', 'id'), "
            "(SELECT MAX(id) FROM customers_customer))"
        )
        cursor.execute("ANALYZE customers_customer")
        cursor.execute("ANALYZE customers_sale")
    return sales


def _next_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM customers_customer")
        return cursor.fetchone()[0]


def _copy(table: str, columns: str, text: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO(text))


def refit() -> None:
    """The child: one nightly refit, as beat would run it, with its phases. (Memory is the
    child's peak RSS, read by the parent: tracemalloc would trace the pull's millions of small
    allocations and double its time.)"""
    from reports.predictions import purchase_model_refit

    logging.basicConfig(level=logging.INFO, format="  %(message)s", stream=sys.stdout)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    db_cpu, own_cpu = _cpu_seconds(backend), time.process_time()
    started = time.perf_counter()
    fit = purchase_model_refit(as_of=AS_OF)
    elapsed = time.perf_counter() - started
    db_cpu, own_cpu = _cpu_seconds(backend) - db_cpu, time.process_time() - own_cpu
    print(
        f"refit: {elapsed:.1f} s, status {fit.status}, {fit.buyers} buyers, fitted on {fit.fit_sample}, "
        f"{fit.at_risk} at risk"
    )
    print(
        f"  r={fit.r:.4f} alpha={fit.alpha:.4f} a={fit.a:.4f} b={fit.b:.4f}  "
        f"Gamma-Gamma p={fit.p:.3f} q={fit.q:.3f} gamma={fit.gamma:.2f}"
    )
    print(
        f"  CPU: {own_cpu:.1f} s in this process, {db_cpu:.1f} s in its PostgreSQL backend "
        f"(wall time on a busy machine is longer: load average {os.getloadavg()[0]:.1f})"
    )
    print(
        f"  holdout ({fit.holdout['weeks']} weeks): predicted {fit.holdout['predicted']:.0f}, "
        f"actual {fit.holdout['actual']}"
    )


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a local process (the database backend serving this connection)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # PostgreSQL on another machine
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def full_fit_comparison() -> None:
    """Parameters on the sample against parameters on every buyer, and the largest P(alive) gap."""
    from reports import purchase_model as pm
    from reports.models import PurchaseModelFit
    from reports.predictions import model_inputs
    from reports.purchase_data import purchase_summary

    fit = PurchaseModelFit.objects.get(as_of=AS_OF)
    summary = purchase_summary(as_of=AS_OF, cut=AS_OF)
    x, t_x, T = model_inputs(summary, AS_OF)
    started = time.perf_counter()
    full = pm.bgnbd_fit(x, t_x, T)
    seconds = time.perf_counter() - started
    sample = pm.BGNBDParams(fit.r, fit.alpha, fit.a, fit.b)
    gap = np.abs(pm.p_alive(full, x, t_x, T) - pm.p_alive(sample, x, t_x, T)).max()
    print(
        f"full fit on all {len(x)} buyers ({seconds:.1f} s): r={full.r:.4f} alpha={full.alpha:.4f} "
        f"a={full.a:.4f} b={full.b:.4f}; largest P(alive) difference from the sample fit: {gap:.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep the data already loaded")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        refit()
        return
    if connection.vendor != "postgresql":
        sys.exit("This bench loads with COPY: point DATABASE_URL at PostgreSQL.")
    print(f"database: {os.environ.get('DATABASE_URL')}")
    if not args.reuse:
        started = time.perf_counter()
        sales = load(args.n)
        print(f"loaded {args.n} customers, {sales} sales in {time.perf_counter() - started:.0f} s")
    else:  # the worst night: the week's first fit, which also keeps the weekly snapshot
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM reports_predictionhistory")
    print(f"customers {Customer.objects.count()}, sales {Sale.objects.count()}")
    connection.close()
    subprocess.run([sys.executable, __file__, "--child"], check=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"refit process peak memory (ru_maxrss): {peak:.0f} MiB")
    full_fit_comparison()


if __name__ == "__main__":
    main()

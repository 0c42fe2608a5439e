"""`make bench`: build a seeded shop of N customers, measure, print one table, write it as JSON.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postsale_bench \\
        .venv/bin/python bench/run.py --size 1000000 [--keep] [--seconds 20]

The database named by DATABASE_URL (PostgreSQL only; created if missing) is emptied and filled
by bench/generate.py: first N/10 customers, measured ("small"), then the rest, measured again.
Every figure is a ratio against a reference measured in the same run, because these machines
are shared and noisy: a figure's absolute value says little, its ratio says how far from the
target we are. The table has: figure, value, target, reference, ratio (value / reference).

Figures:
1. CSV import (bench/gen_sales_csv.py, new ids) against a COPY of the same file into a bare table.
2. Each beat sweep at N/10 and N: seconds and queries (the queries must not grow with N beyond
   one per batch), and all of them together (target < 60 s).
3. Dispatch of planned thank-yous (followups.dispatch.dispatch_due) against render + build +
   hand-off to anymail's test backend of the same messages.
4. The public survey page (GET, POST) and the order page under wrk (32 connections) on gunicorn
   over loopback, against /healthz on the same server: req/s and p50/p99.
5. Staff pages in-process (Django's test client), warm p50/p95, queries per page at N/10 and N.
6. API ingest: POST /api/v1/sales/ with a token, orders/s, against the CSV import's orders/s.
"""
# ruff: noqa: S608, S603, S607, T201 - SQL from model metadata; wrk and gunicorn by name; a CLI.

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
# DEBUG=true for postsale.settings (a generated SECRET_KEY under var/); bench.settings then turns
# DEBUG itself off, as production runs.
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postsale_bench")

import dj_database_url  # noqa: E402


def ensure_database() -> None:
    """Create the database if missing (CREATE DATABASE from the server's `postgres` database)."""
    import psycopg2

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    if config["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("make bench measures PostgreSQL: set DATABASE_URL=postgres://...")
    params = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
    }
    conn = psycopg2.connect(dbname="postgres", **params)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
    conn.close()


ensure_database()

import django  # noqa: E402

django.setup()

from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import generate  # noqa: E402
from bench.gen_sales_csv import write_sales_csv  # noqa: E402

ROWS: list[dict] = []


def row(figure: str, value, unit: str, target: str = "", reference=None, note: str = "") -> None:
    ratio = (value / reference) if isinstance(value, int | float) and reference else None
    reference = reference or None
    ROWS.append(
        {
            "figure": figure,
            "value": value,
            "unit": unit,
            "target": target,
            "reference": reference,
            "ratio": ratio,
            "note": note,
        }
    )
    ref = f"{reference:,.4g}" if isinstance(reference, int | float) else "—"
    print(
        f"  {figure}: {value:,.4g} {unit} (reference {ref}"
        f"{f', ratio {ratio:.3g}' if ratio is not None else ''}) {note}",
        flush=True,
    )


@contextlib.contextmanager
def step(label: str):
    print(f"[{time.strftime('%H:%M:%S')}] {label}", flush=True)
    started = time.perf_counter()
    yield
    print(f"[{time.strftime('%H:%M:%S')}] {label}: {time.perf_counter() - started:.1f} s", flush=True)


@contextlib.contextmanager
def counting():
    """Count the statements run meanwhile (a wrapper, not the debug query log: the test client's
    request_started signal empties that log mid-request)."""
    counter = [0]

    def wrapper(execute, sql, params, many, context):
        counter[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield counter


def measured(fn):
    """Run fn once: (seconds, queries, result)."""
    with counting() as queries:
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
    return seconds, queries[0], result


# --- 2. sweeps ------------------------------------------------------------------------------


def sweeps() -> dict:
    from customers.lifecycle import lifecycle_sweep
    from followups.dispatch import recover_stuck
    from followups.planner import birthdays_sweep, late_deliveries_sweep
    from followups.stuck import stuck_parcels_sweep
    from surveys.invitations import reminders_plan

    jobs = {
        "late_deliveries_sweep": late_deliveries_sweep,
        "birthdays_sweep": birthdays_sweep,
        "stuck_parcels_sweep": stuck_parcels_sweep,
        # The generator leaves every stage at "new": the first pass rewrites most of them, the
        # worst case (STALE, not in the day's total); the day's pass is the one after it, a day
        # later, which moves the customers that a day's passing moves.
        STALE: lifecycle_sweep,
        "lifecycle_sweep": lambda: lifecycle_sweep(now=timezone.now() + dt.timedelta(days=1)),
        "reminders_plan": reminders_plan,
        "recover_stuck": recover_stuck,
    }
    results = {}
    for name, job in jobs.items():
        seconds, queries, result = measured(job)
        results[name] = {"seconds": seconds, "queries": queries, "rows": result}
        print(f"    {name}: {seconds:.2f} s, {queries} queries, result {result}", flush=True)
    return results


STALE = "lifecycle_sweep, every stage stale (worst case)"


def sweep_rows(small: dict, large: dict, sizes: tuple[int, int]) -> None:
    small = small or {name: {"seconds": None, "queries": None, "rows": None} for name in large}
    for name in large:
        s, lg = small[name], large[name]
        row(
            f"sweep {name} time at {sizes[1]:,}",
            lg["seconds"],
            "s",
            "all sweeps < 60 s",
            s["seconds"],
            f"reference: at {sizes[0]:,}; rows {lg['rows']} vs {s['rows']}",
        )
        row(
            f"sweep {name} queries at {sizes[1]:,}",
            lg["queries"],
            "queries",
            "constant per batch",
            s["queries"],
            f"reference: at {sizes[0]:,}",
        )
    total = sum(r["seconds"] for name, r in large.items() if name != STALE)
    row(
        f"all sweeps at {sizes[1]:,}",
        total,
        "s",
        "< 60 s",
        sum(r["seconds"] or 0 for name, r in small.items() if name != STALE) or None,
        f"reference: at {sizes[0]:,}",
    )


# --- 5. staff pages -------------------------------------------------------------------------


def staff_client() -> Client:
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    return client


# Cold searches: surnames the generator gives (bench/generate.py's LAST), each asked once.
COLD_SEARCHES = ("fernandez", "gonzalez", "rodriguez", "lopez", "martinez", "sanchez", "perez", "gomez")


def staff_pages(repeat: int) -> dict:
    """Each page warm (the same URL again and again on one connection: what a user's next click
    costs) and cold (each request on a new database connection, and for the customer page and
    the search rows no request of this run has read: an agent opening a customer nobody opened
    lately, on a worker whose connection has just been recycled)."""
    from django.db import connection

    from customers.models import Customer

    client = staff_client()
    count = Customer.objects.count()
    ids = Customer.objects.order_by("pk").values_list("pk", flat=True)
    customer = ids[max(0, count // 2 - 1)]
    # Customers spread over the whole table, none of them the warm page's.
    others = [ids[(count * (2 * i + 1)) // (2 * repeat + 2)] for i in range(repeat)]
    pages = {
        "home": ("/", ["/"] * repeat),
        "support queue": ("/support/", ["/support/"] * repeat),
        "customer search 'garcia'": (
            "/customers/?q=garcia",
            [f"/customers/?q={COLD_SEARCHES[i % len(COLD_SEARCHES)]}" for i in range(repeat)],
        ),
        "customer page": (
            f"/customers/{customer}/",
            [f"/customers/{pk}/" for pk in others if pk != customer],
        ),
        "outbox": ("/followups/messages/", ["/followups/messages/"] * repeat),
        "reports overview": ("/reports/", ["/reports/"] * repeat),
    }
    results = {}
    for name, (url, cold_urls) in pages.items():
        response = client.get(url)  # warm (and the status to check)
        if response.status_code != 200:
            print(f"    {name}: {url} answered {response.status_code}", flush=True)
        with counting() as queries:
            client.get(url)
        warm = timings(client, [url] * repeat)
        cold = timings(client, cold_urls, fresh=connection.close)
        results[name] = {
            "p50": percentile(warm, 0.5),
            "p95": percentile(warm, 0.95),
            "cold p50": percentile(cold, 0.5),
            "cold p95": percentile(cold, 0.95),
            "queries": queries[0],
            "status": response.status_code,
        }
        print(f"    {name}: {results[name]}", flush=True)
    return results


def timings(client: Client, urls: list[str], fresh=None) -> list[float]:
    """Milliseconds per request, sorted; `fresh` runs before each (outside the timing)."""
    times = []
    for url in urls:
        if fresh:
            fresh()
        started = time.perf_counter()
        status = client.get(url).status_code
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            print(f"    {url} answered {status}", flush=True)
    return sorted(times)


def percentile(times: list[float], share: float) -> float:
    return statistics.median(times) if share == 0.5 else times[min(len(times) - 1, int(len(times) * share))]


def page_rows(small: dict, large: dict, sizes: tuple[int, int]) -> None:
    empty = {"p50": None, "p95": None, "cold p50": None, "cold p95": None, "queries": None}
    small = small or {name: empty for name in large}
    for name in large:
        s, lg = small.get(name, empty), large[name]
        for figure, target in (
            ("p50", "p95 < 300 ms"),
            ("p95", "< 300 ms"),
            ("cold p50", ""),
            ("cold p95", "< 300 ms"),
        ):
            row(
                f"staff {name} {figure} at {sizes[1]:,}",
                lg[figure],
                "ms",
                target,
                s[figure],
                f"reference: at {sizes[0]:,}",
            )
        row(
            f"staff {name} queries at {sizes[1]:,}",
            lg["queries"],
            "queries",
            "equal",
            s["queries"],
            f"reference: at {sizes[0]:,}",
        )


# --- 1. import ------------------------------------------------------------------------------


def import_figures(lines: int) -> float:
    """Returns the import's orders/s (the API's reference)."""
    from customers.importing import sales_import

    prefix = f"BI{int(time.time())}-"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sales.csv"
        with open(path, "w", newline="", encoding="utf-8") as out:
            orders = write_sales_csv(out, lines, prefix=prefix)
        copy = raw_copy_seconds(path)
        started = time.perf_counter()
        report = sales_import(path)
        seconds = time.perf_counter() - started
        if not report.ok:
            sys.exit("import failed: " + "; ".join(map(str, report.errors[:5])))
        row(
            f"import {lines:,} lines (planning on), lines/s",
            lines / seconds,
            "lines/s",
            "≥ 20,000/s and ≥ 0.2 of COPY",
            lines / copy,
            f"reference: COPY of the same file into a bare table ({copy:.2f} s); import {seconds:.1f} s",
        )
    return orders / seconds


def raw_copy_seconds(path: Path) -> float:
    columns = ", ".join(f"c{i} text" for i in range(21))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_raw_copy ({columns})")
        try:
            started = time.perf_counter()
            with open(path, encoding="utf-8") as source:
                cursor.copy_expert("COPY bench_raw_copy FROM STDIN WITH (FORMAT csv, HEADER true)", source)
            return time.perf_counter() - started
        finally:
            cursor.execute("DROP TABLE bench_raw_copy")


# --- 3. dispatch ----------------------------------------------------------------------------


@contextlib.contextmanager
def _due_bench_mails(key: str, customers: list[int], now):
    """Plan one due thank-you per customer under dedupe prefix `key`; every other due row (the
    import's, the sweeps') is parked meanwhile, so the figure is these messages alone."""
    from django.db.models import F

    from followups.models import Message, State

    Message.objects.bulk_create(
        Message(
            kind="thank_you",
            category="transactional",
            customer_id=pk,
            dedupe_key=f"{key}{pk}",
            planned_at=now - dt.timedelta(minutes=1),
            expires_at=now + dt.timedelta(days=1),
        )
        for pk in customers
    )
    parked = dt.timedelta(days=365 * 100)
    others = Message.objects.filter(state=State.PLANNED, planned_at__lte=timezone.now()).exclude(
        dedupe_key__startswith=key
    )
    parked_ids = list(others.values_list("pk", flat=True))
    Message.objects.filter(pk__in=parked_ids).update(planned_at=F("planned_at") + parked)
    try:
        yield Message.objects.filter(dedupe_key__startswith=key)
    finally:
        Message.objects.filter(pk__in=parked_ids).update(planned_at=F("planned_at") - parked)


def cpu_seconds() -> tuple[float, float]:
    """CPU time used so far by this process, and by the whole machine (from /proc/stat)."""
    own = sum(os.times()[:2])
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # user, nice, system, irq, softirq: not idle, iowait, steal (the host's), nor the guest
    # fields (already counted in user and nice)
    busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6]
    return own, busy / os.sysconf("SC_CLK_TCK")


TWO_WORKERS_CHILD = """
import sys
import django
django.setup()
from django.core import mail
from followups import emails
from followups.dispatch import dispatch_due, message_token
from followups.models import Message
from postsale.lib import gc_tuning
mail.outbox = []
gc_tuning.tune()  # as a Celery worker process does when it starts
for message in Message.objects.filter(dedupe_key__startswith=sys.argv[1]).select_related("customer")[:50]:
    emails.render(message, message_token(message))
print("ready", flush=True)
sys.stdin.readline()
dispatch_due()
"""


def _reference_rate(planned: list, overrides) -> float:
    """Mails a second through render + build + the ESP hand-off alone: what a worker does
    besides the outbox's own work (claim, rules, marks, record)."""
    from django.core.mail import get_connection

    from followups import emails
    from followups.dispatch import message_token

    mail.outbox = []
    started = time.perf_counter()
    with get_connection() as esp:
        for message in planned:
            token = message_token(message)
            rendered = emails.render(message, token, overrides=overrides)
            esp.send_messages([emails.build(message, rendered, token)])
    mail.outbox = []
    return len(planned) / (time.perf_counter() - started)


def dispatch_figures(count: int) -> None:

    from postsale.lib import gc_tuning

    gc_tuning.tune()  # this process sends as a Celery worker process would (reference included)

    from customers.models import Customer
    from followups import emails
    from followups.dispatch import dispatch_due
    from followups.models import FollowupRules, State

    rules = FollowupRules.current()
    saved = (rules.quiet_hours_start, rules.quiet_hours_end)
    rules.quiet_hours_start = rules.quiet_hours_end = 0  # the figure must not depend on the hour
    rules.save()
    now = timezone.now()
    run = int(time.time())
    customers = list(
        Customer.objects.filter(do_not_contact=False)
        .exclude(email="")
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )
    try:
        with _due_bench_mails(f"bench-dispatch:{run}:", customers, now) as mine:
            planned = list(mine.select_related("customer", "sale", "sale__delivery", "complaint"))
            mail.outbox = []
            overrides = emails.load_overrides()
            _reference_rate(planned[:200], overrides)  # warm up: templates compiled, code paths hot
            # The reference runs just before and just after the worker, and the figure is
            # against their mean: a shared machine's speed drifts within seconds.
            ref_before = _reference_rate(planned, overrides)
            cpu_before = cpu_seconds()
            started = time.perf_counter()
            dispatch_due()
            seconds = time.perf_counter() - started
            cpu = [after - before for before, after in zip(cpu_before, cpu_seconds(), strict=True)]
            sent = mine.filter(state=State.SENT).count()
            ref_after = _reference_rate(planned, overrides)
            reference = (ref_before + ref_after) / 2
            mail.outbox = []
        row(
            "dispatch, one process, messages/s",
            sent / seconds,
            "msg/s",
            "≥ 0.5 of reference",
            reference,
            f"reference: render + build + anymail test hand-off of the same {len(planned)}, "
            f"{ref_before:,.0f} before and {ref_after:,.0f} after; sent {sent}",
        )
        # Where the CPU goes, per mail: this process's, and everything else the machine ran
        # meanwhile (PostgreSQL, mostly). Workers, PostgreSQL and the benchmark share the cores,
        # so with every core busy no number of processes sends more than the ceiling.
        python_ms, other_ms = (1000 * c / max(sent, 1) for c in (cpu[0], cpu[1] - cpu[0]))
        cores = os.cpu_count() or 1
        ceiling = 1000 * cores / (python_ms + other_ms)
        row(
            f"dispatch CPU per mail, the worker / the rest, ceiling on {cores} cores",
            ceiling,
            "msg/s",
            "",
            2 * reference,
            f"worker process {python_ms:.2f} ms, the rest of the machine {other_ms:.2f} ms a mail; "
            "ratio: the ceiling against twice the reference",
        )
        # Two worker processes on the same due rows (claims take turns; each sends its batches).
        # Each starts Django and renders a few of the mails (templates compiled, as in the
        # one-process figure, which runs after the reference), says it is ready, and the clock
        # starts when both are told to go: the figure is sending, not starting Python.
        key = f"bench-dispatch:{run}-2:"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(ROOT)}
        with _due_bench_mails(key, customers, now) as mine:
            connection.close()  # the children open their own
            workers = [
                subprocess.Popen(
                    [sys.executable, "-c", TWO_WORKERS_CHILD, key],
                    cwd=ROOT,
                    env=env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for _ in range(2)
            ]
            ready = [w.stdout.readline().strip() for w in workers]
            started = time.perf_counter()
            for w in workers:
                w.stdin.write("go\n")
                w.stdin.flush()
            codes = [w.wait() for w in workers]
            seconds = time.perf_counter() - started
            sent = mine.filter(state=State.SENT).count()
    finally:
        rules.quiet_hours_start, rules.quiet_hours_end = saved
        rules.save()
    row(
        "dispatch, two processes, messages/s",
        sent / seconds,
        "msg/s",
        "≥ 0.5 of reference per process",
        2 * reference,
        f"reference: twice the one-process reference; sent {sent}; children {ready}, exit codes {codes}",
    )


# --- 4. public pages under load -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(workers: int = 2):
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    binary = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(binary),
            "postsale.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


WRK_SCRIPT = """
paths = {%(paths)s}
counter = 0
request = function()
  counter = counter + 1
  local path = paths[(counter %% #paths) + 1]
  %(body)s
end
"""


def wrk(base: str, paths: list[str], seconds: int, *, post: str | None = None) -> dict:
    quoted = ", ".join(f'"{p}"' for p in paths)
    if post is None:
        body = "return wrk.format('GET', path)"
    else:
        body = (
            f"return wrk.format('POST', path, {{['Content-Type'] = "
            f"'application/x-www-form-urlencoded', ['Cookie'] = 'csrftoken={CSRF}'}}, "
            f"'{post}')"
        )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % {"paths": quoted, "body": body})
    try:
        out = subprocess.run(
            ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", "-s", script.name, base],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
        "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),
        "errors": int(non2xx.group(1)) if non2xx else 0,
    }


def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


CSRF = "b" * 32  # a cookie secret and the same unmasked token in the form: CSRF accepts it


def public_links(count: int) -> tuple[list[str], list[str]]:
    """Up to `count` working survey links and order-page links of the generated shop."""
    from followups.models import Message
    from surveys.models import Invitation

    surveys = [
        f"/c/s/{generate.invitation_token(pk)}/"
        for pk in Invitation.objects.filter(expires_at__gt=timezone.now())
        .order_by("-pk")
        .values_list("pk", flat=True)[:count]
    ]
    orders = [
        f"/c/o/{generate.message_token_of(pk)}/"
        for pk in Message.objects.filter(
            kind="thank_you",
            sale__isnull=False,
            state="sent",
            dedupe_key__startswith="bench:",  # links work 30 days
            sent_at__gt=timezone.now() - dt.timedelta(days=25),
        )
        .order_by("-pk")
        .values_list("pk", flat=True)[:count]
    ]
    return surveys, orders


def load_figures(seconds: int) -> None:
    if shutil.which("wrk") is None:
        print("  wrk is missing (apt-get install -y wrk): public pages not measured", flush=True)
        return
    surveys, orders = public_links(1000)
    client = Client()
    for url in (surveys[0], orders[0]):
        status = client.get(url).status_code
        if status != 200:
            print(f"  {url} answered {status}", flush=True)
    with gunicorn() as base:
        wrk(base, ["/healthz"], 2)  # warm both workers
        results = {
            "healthz": wrk(base, ["/healthz"], seconds),
            "survey GET": wrk(base, surveys, seconds),
            "survey POST": wrk(
                base, surveys, seconds, post=f"csrfmiddlewaretoken={CSRF}&score=9&comment=bien"
            ),
            "order page": wrk(base, orders, seconds),
        }
    trivial = results["healthz"]
    row(
        "/healthz (the reference), req/s",
        trivial["rps"],
        "req/s",
        "",
        None,
        f"p50 {trivial['p50']:.1f} ms, p99 {trivial['p99']:.1f} ms",
    )
    for name in ("survey GET", "survey POST", "order page"):
        r = results[name]
        row(
            f"{name}, req/s",
            r["rps"],
            "req/s",
            "≥ 0.5 of /healthz",
            trivial["rps"],
            f"{r['errors']} non-2xx/3xx",
        )
        row(f"{name}, p50", r["p50"], "ms", "", trivial["p50"])
        row(f"{name}, p99", r["p99"], "ms", "< 100 ms", trivial["p99"])


# --- 6. API ingest --------------------------------------------------------------------------


def api_figures(count: int, import_orders_per_second: float) -> None:
    from rest_framework.authtoken.models import Token

    client = staff_client()
    user = client.session.get("_auth_user_id")
    token, _ = Token.objects.get_or_create(user_id=user)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    run = int(time.time())
    ordered = (timezone.now() - dt.timedelta(days=1)).isoformat()
    statuses = {}
    started = time.perf_counter()
    for i in range(count):
        body = _api_order(
            f"API{run}-{i}",
            ordered,
            customer=f"APIC{run}-{i % (count // 3 + 1)}",
            email=f"api{run}.{i}@example.com",
        )
        status = api.post("/api/v1/sales/", body, content_type="application/json").status_code
        statuses[status] = statuses.get(status, 0) + 1
    seconds = time.perf_counter() - started
    row(
        "API ingest POST /api/v1/sales/, orders/s",
        count / seconds,
        "orders/s",
        "",
        import_orders_per_second,
        f"reference: the CSV import's orders/s; statuses {statuses}",
    )
    # The same kind of orders, 500 a request, through the bulk endpoint (the import's path).
    bulk, per_request, statuses = 10 * count, 500, {}
    started = time.perf_counter()
    for first in range(0, bulk, per_request):
        orders = [
            _api_order(
                f"APIB{run}-{i}", ordered, customer=f"CAPIB{run}-{i}", email=f"{i}.APIB{run}@example.com"
            )
            for i in range(first, min(first + per_request, bulk))
        ]
        status = api.post(
            "/api/v1/sales/bulk/", {"orders": orders}, content_type="application/json"
        ).status_code
        statuses[status] = statuses.get(status, 0) + 1
    seconds = time.perf_counter() - started
    row(
        "API ingest POST /api/v1/sales/bulk/ (500 a request), orders/s",
        bulk / seconds,
        "orders/s",
        "",
        import_orders_per_second,
        f"reference: the CSV import's orders/s; {bulk} orders, statuses {statuses}",
    )


def _api_order(external_id: str, ordered: str, *, customer: str, email: str) -> dict:
    """One order as an integrator posts it: a pair of shoes on its way."""
    return {
        "external_id": external_id,
        "ordered_at": ordered,
        "channel": "online",
        "customer": {"external_id": customer, "name": "Marta Puig", "email": email},
        "lines": [
            {
                "sku": "ZAP-001",
                "name": "Zapatillas",
                "category": "calzado",
                "quantity": 1,
                "unit_price": "89.90",
            }
        ],
        "delivery": {
            "carrier": "SEUR",
            "status": "in_transit",
            "promised_date": str(timezone.localdate() + dt.timedelta(days=2)),
        },
    }


# --- main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="customers")
    parser.add_argument("--seconds", type=int, default=20, help="each load-generator run")
    parser.add_argument("--import-lines", type=int, default=None)
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"))
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the database as it is (no generation, no N/10 reference)",
    )
    parser.add_argument(
        "--figures", default=",".join(FIGURES), help=f"comma-separated, of: {', '.join(FIGURES)}"
    )
    args = parser.parse_args()
    figures = set(args.figures.split(","))
    size, small = args.size, max(1000, args.size // 10)
    lines = args.import_lines or (200_000 if size >= 100_000 else 20_000)
    repeat = 10 if size >= 100_000 else 20
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    started = time.perf_counter()
    print(
        f"database {connection.settings_dict['NAME']}; {size:,} customers "
        f"(measured at {small:,} then {size:,}); load average {' '.join(load_before)}"
    )
    with step("migrate"):
        call_command("migrate", verbosity=0)
    sweeps_small = pages_small = None
    if not args.reuse:
        with step(f"generate {small:,} customers"):
            generate.truncate()
            generate.load(0, small)
        if "sweeps" in figures:
            with step(f"sweeps at {small:,}"):
                sweeps_small = sweeps()
        if "pages" in figures:
            with step(f"staff pages at {small:,}"):
                pages_small = staff_pages(repeat)
        with step(f"generate customers {small + 1:,} to {size:,}"):
            load_seconds = time.perf_counter()
            counts = generate.load(small, size)
            load_seconds = time.perf_counter() - load_seconds
        row(
            f"generate {size - small:,} customers with their rows",
            load_seconds,
            "s",
            "< 15 min",
            None,
            ", ".join(f"{k} {v:,}" for k, v in counts.items()),
        )
    if "sweeps" in figures:
        with step(f"sweeps at {size:,}"):
            sweeps_large = sweeps()
        sweep_rows(sweeps_small, sweeps_large, (small, size))
    if "pages" in figures:
        with step(f"staff pages at {size:,}"):
            pages_large = staff_pages(repeat)
        page_rows(pages_small, pages_large, (small, size))
    if "dispatch" in figures:
        with step("dispatch"):
            dispatch_figures(5000 if size >= 100_000 else 2000)
    if "public" in figures:
        with step("public pages under load"):
            load_figures(args.seconds)
    import_orders = None
    if "import" in figures:
        with step(f"import {lines:,} lines"):
            import_orders = import_figures(lines)
    if "api" in figures:
        with step("API ingest"):
            api_figures(500 if size >= 100_000 else 200, import_orders)
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    print_table(size, load_before, load_after, time.perf_counter() - started)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench-{size}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(
        json.dumps(
            {
                "size": size,
                "small": small,
                "load_before": load_before,
                "load_after": load_after,
                "rows": ROWS,
            },
            indent=1,
            default=str,
        )
    )
    print(f"written to {path}")


FIGURES = ("sweeps", "pages", "dispatch", "public", "import", "api")


def print_table(size: int, before, after, seconds: float) -> None:
    print(
        f"\n{size:,} customers, {seconds / 60:.1f} min; load average before "
        f"{' '.join(before)}, after {' '.join(after)}"
    )
    print(f"| {'figure':<52} | {'value':>20} | {'target':<28} | {'reference':>11} | ratio |")
    print(f"|{'-' * 54}|{'-' * 22}|{'-' * 30}|{'-' * 13}|-------|")
    for r in ROWS:
        ref = f"{r['reference']:,.1f}" if isinstance(r["reference"], int | float) else ""
        ratio = f"{r['ratio']:.3g}" if r["ratio"] is not None else ""
        value = f"{r['value']:,.1f} {r['unit']}"
        print(f"| {r['figure']:<52} | {value:>20} | {r['target']:<28} | {ref:>11} | {ratio:>5} |")


if __name__ == "__main__":
    main()

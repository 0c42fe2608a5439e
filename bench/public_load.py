"""`make load`: 100 concurrent clients on the public survey pages for 60 s, on gunicorn, over
loopback; counts every answer by status and fails on any error that is not a designed 429.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postsale_load \\
        .venv/bin/python bench/public_load.py [--seconds 60] [--clients 100] [--size 5000] [--reuse]

The database named by DATABASE_URL (PostgreSQL; created if missing) is emptied and seeded with
--size customers by bench/generate.py (sales, deliveries, sent survey mails and their open
invitations), unless --reuse. Then gunicorn (2 workers, bench/load_settings.py: DEBUG off, the
production rate limits: 120 requests a minute per address, 30 per link) serves it on a free
loopback port and wrk (/usr/bin/wrk; `apt-get install wrk`) runs --clients connections for
--seconds, then stops: wrk's own -d bound, and a hard timeout around it.

Each request is one customer's: a link of one of the 1,000 newest invitations (kept open) and an address
of 1,000 (X-Forwarded-For through a trusted proxy, as behind a load balancer), in turn: the
answer page from the mail's score button (GET), the answer (POST, a 303 to the thank-you page),
the thank-you page (GET). Rate limits are on (Redis when CACHE_URL is set, else each gunicorn
process's memory), so a 429 is the designed answer to one address or link asking too often; every
other status >= 400 and every socket error or timeout is an error and the run exits 1.
Printed: req/s, p50/p90/p99/max latency, answers by status; also written as JSON to bench/out/.
"""
# ruff: noqa: S603, S607, T201 - wrk and gunicorn by name; a CLI.

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.load_settings"
os.environ.setdefault("DEBUG", "true")  # a generated SECRET_KEY; bench.settings turns DEBUG off
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postsale_load")

CSRF = "b" * 32  # a cookie secret and the same unmasked token in the form: CSRF accepts it
ADDRESSES = 1000
LINKS = 1000

# One request per call, in turn GET answer page / POST answer / GET thanks, over LINKS links and
# ADDRESSES addresses; statuses counted per thread, summed in done().
WRK_SCRIPT = r"""
local tokens = {%(tokens)s}
local threads = {}
local csrf = "%(csrf)s"
counter = 0
statuses = {}

function setup(thread)
  thread:set("offset", #threads * 7919)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local n = counter + offset
  local token = tokens[(math.floor(n / 3) %% #tokens) + 1]
  local client = math.floor(n / 3) %% %(addresses)d
  local headers = {
    ["X-Forwarded-For"] = "10.9." .. math.floor(client / 250) .. "." .. (client %% 250 + 1),
    ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    ["Cookie"] = "csrftoken=" .. csrf,
  }
  local step = n %% 3
  if step == 0 then
    return wrk.format("GET", "/c/s/" .. token .. "/?score=" .. (n %% 11), headers)
  elseif step == 1 then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["Referer"] = "http://127.0.0.1/c/s/" .. token .. "/"
    local body = "csrfmiddlewaretoken=" .. csrf .. "&score=" .. (n %% 11)
      .. "&comment=bien&interaction=pointerdown"
    return wrk.format("POST", "/c/s/" .. token .. "/", headers, body)
  end
  return wrk.format("GET", "/c/s/" .. token .. "/thanks/", headers)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  for status, count in pairs(total) do
    io.write(string.format("STATUS %%d %%d\n", status, count))
  end
  io.write(string.format("REQUESTS %%d\n", summary.requests))
  io.write(string.format("DURATION_US %%d\n", summary.duration))
  for _, p in ipairs({50, 90, 99}) do
    io.write(string.format("P%%d_US %%d\n", p, latency:percentile(p)))
  end
  io.write(string.format("MAX_US %%d\n", latency.max))
  local e = summary.errors
  io.write(string.format("SOCKET connect=%%d read=%%d write=%%d timeout=%%d\n",
    e.connect, e.read, e.write, e.timeout))
end
"""


def ensure_database() -> None:
    import dj_database_url
    import psycopg2

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    if config["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("make load runs on PostgreSQL: set DATABASE_URL=postgres://...")
    conn = psycopg2.connect(
        dbname="postgres",
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
    conn.close()


def seed(size: int, reuse: bool) -> list[str]:
    """The links of the newest open invitations (seeding the shop first unless reuse)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from bench import generate
    from surveys.models import Invitation

    call_command("migrate", verbosity=0)
    if not reuse:
        started = time.perf_counter()
        generate.truncate()
        counts = generate.load(0, size, progress=lambda *a, **k: None)
        print(f"seeded {size:,} customers in {time.perf_counter() - started:.0f} s: {counts}", flush=True)
    ids = list(Invitation.objects.order_by("-pk").values_list("pk", flat=True)[:LINKS])
    if not ids:
        sys.exit("no survey invitations in the database: run without --reuse")
    # The seeded shop's newest mails are days old and many links have expired: these stay open
    # for the run (a customer may change an answer while the link is open).
    Invitation.objects.filter(pk__in=ids).update(expires_at=timezone.now() + dt.timedelta(days=7))
    from django.db import connections

    connections.close_all()
    return [generate.invitation_token(pk) for pk in ids]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(workers: int):
    port = free_port()
    argv = [sys.executable, "-m", "gunicorn", "postsale.wsgi", "-w", str(workers)]
    argv += ["-b", f"127.0.0.1:{port}", "--backlog", "2048", "--access-logfile", "/dev/null"]
    argv += ["--log-level", "warning"]
    process = subprocess.Popen(argv, cwd=ROOT, env=dict(os.environ), start_new_session=True)
    try:
        for _ in range(150):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if process.poll() is not None:
                sys.exit("gunicorn did not start")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_wrk(base: str, tokens: list[str], *, seconds: int, clients: int) -> dict:
    script = WRK_SCRIPT % {
        "tokens": ", ".join(f'"{t}"' for t in tokens),
        "csrf": CSRF,
        "addresses": ADDRESSES,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    threads = min(2, clients)
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{clients}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        handle.name,
        base,
    ]
    try:
        out = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    finally:
        os.unlink(handle.name)
    statuses = {int(s): int(n) for s, n in re.findall(r"^STATUS (\d+) (\d+)$", out, re.M)}
    value = {key: int(n) for key, n in re.findall(r"^(\w+_US|REQUESTS) (\d+)$", out, re.M)}
    socket_errors = {
        k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", re.search(r"^SOCKET .*$", out, re.M)[0])
    }
    return {
        "requests": value["REQUESTS"],
        "rps": value["REQUESTS"] / (value["DURATION_US"] / 1e6),
        "p50_ms": value["P50_US"] / 1000,
        "p90_ms": value["P90_US"] / 1000,
        "p99_ms": value["P99_US"] / 1000,
        "max_ms": value["MAX_US"] / 1000,
        "statuses": dict(sorted(statuses.items())),
        "socket_errors": socket_errors,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="how long wrk runs (default 60)")
    parser.add_argument("--clients", type=int, default=100, help="concurrent connections (default 100)")
    parser.add_argument("--size", type=int, default=5000, help="customers to seed (default 5,000)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--reuse", action="store_true", help="use the database as it is, no seeding")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"))
    args = parser.parse_args()
    if not 1 <= args.seconds <= 600 or not 1 <= args.clients <= 1000:
        parser.error("--seconds must be 1-600 and --clients 1-1000")
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")
    ensure_database()
    tokens = seed(args.size, args.reuse)
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(
        f"{args.clients} clients for {args.seconds} s on gunicorn ({args.workers} workers), "
        f"{len(tokens)} links, {ADDRESSES} addresses; cache: "
        f"{os.environ.get('CACHE_URL') or os.environ.get('REDIS_URL') or 'per-process memory'}; "
        f"load average {' '.join(load)}",
        flush=True,
    )
    with gunicorn(args.workers) as base:
        run_wrk(base, tokens[:50], seconds=2, clients=min(10, args.clients))  # warm both workers
        result = run_wrk(base, tokens, seconds=args.seconds, clients=args.clients)
    statuses, sockets = result["statuses"], result["socket_errors"]
    errors = {status: n for status, n in statuses.items() if status >= 400 and status != 429}
    errors.update({f"socket {kind}": n for kind, n in sockets.items() if n})
    print(
        f"{result['requests']:,} requests, {result['rps']:.0f} req/s; latency p50 {result['p50_ms']:.0f} ms, "
        f"p90 {result['p90_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms, max {result['max_ms']:.0f} ms"
    )
    print("answers by status: " + ", ".join(f"{s}: {n:,}" for s, n in statuses.items()))
    print(f"designed 429s: {statuses.get(429, 0):,}; errors: {errors or 'none'}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"load-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({**vars(args), **result, "errors": errors, "load_before": load}, indent=1))
    print(f"written to {path}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

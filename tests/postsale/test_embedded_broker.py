"""The embedded broker (postsale/lib/filebroker.py) under several processes at once: a reader
never sees a half-written message, exchange tables keep every binding, and one unreadable file
is set aside instead of stopping the worker."""

import json
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

from kombu import Connection, Exchange, Queue

ROOT = Path(__file__).resolve().parents[2]
TRANSPORT = "postsale.lib.filebroker:Transport"
# Big messages widen the moment between creating a file and finishing it: kombu's own transport
# hands the reader an empty file several times per run at this size (measured: 18 of 300).
PAD = "x" * 500_000


def options(folder: Path) -> dict:
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
    }


def connect(folder: Path) -> Connection:
    return Connection("filesystem://", transport=TRANSPORT, transport_options=options(folder))


def produce(folder: Path, producer: int, count: int) -> None:
    with connect(folder) as conn:
        queue = conn.SimpleQueue("load")
        for number in range(count):
            queue.put({"producer": producer, "number": number, "pad": PAD})


def bind(folder: Path, worker: int, count: int) -> None:
    with connect(folder) as conn:
        exchange = Exchange("shared", type="direct")
        for number in range(count):
            Queue(f"q-{worker}-{number}", exchange, routing_key=f"k{number}")(conn.default_channel).declare()


def test_a_reader_never_sees_a_message_half_written(tmp_path):
    producers, count = 3, 40
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=produce, args=(tmp_path, n, count)) for n in range(producers)]
    for proc in procs:
        proc.start()
    received, deadline = set(), time.monotonic() + 120
    with connect(tmp_path) as conn:
        queue = conn.SimpleQueue("load")
        while len(received) < producers * count and time.monotonic() < deadline:
            try:
                message = queue.get(timeout=0.01)
            except queue.Empty:
                continue
            message.ack()
            received.add((message.payload["producer"], message.payload["number"]))
    for proc in procs:
        proc.join(timeout=30)

    assert len(received) == producers * count  # each exactly once: a torn read would raise
    assert [p.exitcode for p in procs] == [0] * producers
    assert os.listdir(tmp_path / "queue") == []


def test_concurrent_bindings_all_land_in_the_exchange_table(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=bind, args=(tmp_path, n, 15)) for n in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=60)

    table = json.loads((tmp_path / "control" / "shared.exchange").read_text())
    assert [p.exitcode for p in procs] == [0] * 4
    assert sorted(queue for _key, _pattern, queue in table) == sorted(
        f"q-{w}-{n}" for w in range(4) for n in range(15)
    )


def test_an_unreadable_message_is_set_aside_and_the_next_one_arrives(tmp_path, caplog):
    # A queue name of its own: the transport's bindings are remembered per process, not per folder.
    with connect(tmp_path) as conn:
        queue = conn.SimpleQueue("torn")
        # What kombu's own writer left behind when a reader came too early: an empty file.
        (tmp_path / "queue" / "0_torn.torn.msg").write_text("")
        queue.put({"number": 1})

        message = queue.get(timeout=5)

    assert message.payload == {"number": 1}
    assert os.listdir(tmp_path / "bad") == ["0_torn.torn.msg"]
    assert "Unreadable broker message 0_torn.torn.msg" in caplog.text


def test_the_embedded_default_uses_it_with_every_folder_under_var_dir(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "from postsale.celery import app; t = type(app.connection_for_write().transport); "
        "print(f'{t.__module__}:{t.__name__}'); "
        "print([v for v in s.CELERY_BROKER_TRANSPORT_OPTIONS.values() if isinstance(v, str)])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**env, "VAR_DIR": str(tmp_path), "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "postsale.settings"},
        check=True,
    ).stdout

    transport, folders = out.splitlines()
    assert transport == TRANSPORT
    assert "control" in folders and str(tmp_path / "broker" / "control") in folders
    assert not (ROOT / "control").exists()

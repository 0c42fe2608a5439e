"""The embedded broker: kombu's filesystem transport, made safe for several processes.

kombu's own version creates a message file and then writes it, so a worker listing the folder in
between reads an empty or half-written file and dies on a JSONDecodeError (`make run` stopped
after about ten minutes that way); its exchange files are rewritten in place, truncated first, so
a process starting up can read one empty. Here every file is written under a name the readers
skip and renamed into place when complete (a rename is atomic on one file system), exchange
tables change under a lock, and a file that still cannot be read is set aside, logged, and
skipped, so one bad file never stops the worker.

Settings: CELERY_BROKER_URL=filesystem:// with CELERY_BROKER_TRANSPORT pointing here, and the
folders (queue, processed, control, bad) under VAR_DIR/broker.
"""

import fcntl
import json
import logging
import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from queue import Empty
from time import monotonic

from kombu.transport import filesystem, virtual
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)


def write_atomically(path: Path, text: str) -> None:
    """Readers see the whole file or none: write a hidden temporary file, then rename it."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")  # no reader matches ".…tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, path)


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        # The name sorts by time, as kombu's does, so messages come out in order.
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        write_atomically(Path(self.data_folder_out) / name, dumps(payload))

    def _get(self, queue):
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            claimed = Path(self.processed_folder) / name
            try:  # the rename is the claim: of two readers, exactly one gets the file
                os.rename(Path(self.data_folder_in) / name, claimed)
            except FileNotFoundError:
                continue
            try:
                payload = loads(claimed.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                self._set_aside(claimed, exc)
                continue
            if not self.store_processed:
                claimed.unlink(missing_ok=True)
            return payload
        raise Empty()

    def _set_aside(self, path: Path, exc: Exception) -> None:
        bad = Path(self.transport_options.get("bad_folder", Path(self.processed_folder).parent / "bad"))
        bad.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(path, bad / path.name)
        except OSError:
            path.unlink(missing_ok=True)
        logger.error("Unreadable broker message %s set aside in %s: %s", path.name, bad, exc)

    def get_table(self, exchange):
        try:
            table = loads(self._exchange_file(exchange).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (UnicodeDecodeError, json.JSONDecodeError):
            # Only a file from kombu's own writer can be torn; the next bind rewrites it whole.
            return []
        return [filesystem.exchange_queue_t(*entry) for entry in table]

    @contextmanager
    def _table_lock(self, exchange):
        self.control_folder.mkdir(parents=True, exist_ok=True)
        lock_path = self._exchange_file(exchange).with_suffix(".lock")
        with open(lock_path, "a") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        entry = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with self._table_lock(exchange):
            table = self.get_table(exchange)
            if entry not in table:
                write_atomically(self._exchange_file(exchange), dumps([entry, *table]))

    def _delete(self, queue, exchange, routing_key, pattern, *args, **kwargs):
        virtual.Channel._delete(self, queue, exchange, routing_key, pattern, *args, **kwargs)
        entry = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with self._table_lock(exchange):
            table = self.get_table(exchange)
            if entry in table:
                write_atomically(self._exchange_file(exchange), dumps([e for e in table if e != entry]))


class Transport(filesystem.Transport):
    Channel = Channel

"""The import page's jobs on PostgreSQL + Redis with a real Celery worker: the progress shows
while the file is read, the end state is there after the worker is gone, and a worker killed in
the middle of an import leaves nothing half-written (the job runs again and completes)."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from customers.importing.jobs import job_confirm, job_create
from customers.models import ImportJob, Sale, SaleLine
from tests.conftest import make_staff
from tests.services import ROOT, private_queue, require_postgres, require_redis, start_worker, stop, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
LINES = 60_000


@pytest.fixture
def big_file(tmp_path) -> Path:
    path = tmp_path / "big.csv"
    subprocess.run([sys.executable, "bench/gen_sales_csv.py", str(LINES), str(path)], cwd=ROOT, check=True)
    return path


@pytest.fixture
def shared_var(settings, tmp_path):
    """The web side (this test) and the worker keep uploads under the same VAR_DIR."""
    require_postgres()
    require_redis()
    settings.VAR_DIR = tmp_path / "var"
    return {"VAR_DIR": str(settings.VAR_DIR)}


def watch(job_id: int, until: set[str], timeout: float = 180) -> list[tuple]:
    """The job's (stage, state, bytes read, lines read) as often as it can be read."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = ImportJob.objects.get(pk=job_id)
        snapshot = (job.stage, job.state, job.bytes_read, job.rows_processed)
        if not seen or seen[-1] != snapshot:
            seen.append(snapshot)
        if job.state in until:
            return seen
        time.sleep(0.05)
    pytest.fail(f"the job did not reach {until}: {seen[-5:]}")


def moving(seen, stage: str, size: int) -> list[tuple]:
    return [s for s in seen if s[0] == stage and s[1] == "running" and 0 < s[2] < size and s[3] > 0]


def uploaded(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")


def test_a_big_upload_is_checked_and_imported_by_the_worker_with_visible_progress(shared_var, big_file):
    user = make_staff("marta", "Manager")
    size = big_file.stat().st_size
    with private_queue() as queue:
        worker = start_worker(queue, shared_var)
        try:
            job = job_create(uploaded=uploaded(big_file), user=user, language="en")
            checking = watch(job.pk, {"checked", "failed"})
            job.refresh_from_db()
            assert job.state == "checked", job.reason
            assert Sale.objects.count() == 0
            assert job_confirm(job)
            importing = watch(job.pk, {"done", "failed"})
        finally:
            stop(worker)
    job.refresh_from_db()
    assert job.state == "done", job.reason
    # Progress was seen while each stage read the file, growing, before the end.
    for stage, seen in (("check", checking), ("import", importing)):
        progress = moving(seen, stage, size)
        assert progress, seen
        assert [s[2] for s in progress] == sorted(s[2] for s in progress)
    assert (job.rows_total, job.counts["lines"]) == (LINES, LINES)
    assert Sale.objects.count() == job.counts["sales_created"] == job.counts["orders"]
    assert SaleLine.objects.count() == LINES
    assert not list((Path(shared_var["VAR_DIR"]) / "imports").glob("*.csv"))


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def test_a_worker_killed_mid_import_leaves_nothing_half_written_and_the_job_completes(shared_var, big_file):
    user = make_staff("marta", "Manager")
    size = big_file.stat().st_size
    with private_queue() as queue:
        worker = start_worker(queue, shared_var)
        try:
            job = job_create(uploaded=uploaded(big_file), user=user, language="en")
            watch(job.pk, {"checked", "failed"})
            job.refresh_from_db()
            assert job_confirm(job)
            # Wait until the import is half-way through reading the file, then kill the
            # process running it (as the OOM killer or a deploy would).
            assert wait_for(
                lambda: ImportJob.objects.filter(
                    pk=job.pk, state="running", bytes_read__gt=size // 3
                ).exists(),
                timeout=120,
                interval=0.05,
            )
            pool = _children(worker.pid)
            assert pool, "no pool process to kill"
            for pid in pool:
                subprocess.run(["kill", "-KILL", str(pid)], check=False)
            assert Sale.objects.count() == 0, "a killed import left rows behind"
            # The worker replaces the dead process; the task, acknowledged late, runs again.
            importing = watch(job.pk, {"done", "failed"}, timeout=240)
        finally:
            stop(worker, signal.SIGTERM)
    job.refresh_from_db()
    assert job.state == "done", (job.reason, importing[-5:])
    assert SaleLine.objects.count() == LINES
    assert Sale.objects.count() == job.counts["sales_created"]
    assert not list((Path(shared_var["VAR_DIR"]) / "imports").glob("*.csv"))

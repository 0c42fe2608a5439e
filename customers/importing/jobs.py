"""The import page's jobs: the web request stores the file and an ImportJob; a worker does the rest.

A job goes queued → running → checked (the preview: a dry run of the whole file) → on the
manager's confirm queued → running → done, or to failed from any step. The import itself is
sales_import's one transaction, and the job is marked done inside it, so a job is done exactly
when its rows are in; a failed job wrote nothing. The file is removed once the job is done or
failed (an unconfirmed preview's file goes after a day, see uploads.py).

Progress (lines and bytes read) is written to the job's row through a database connection of
its own, in autocommit: the import's connection is busy in a COPY (PostgreSQL) or inside its
transaction, and neither would let another process see the numbers before the end. The row is
what web and worker both reach in every setup; the cache would not do, since without Redis it is
each process's own memory.
"""

import logging
import time

from celery.exceptions import SoftTimeLimitExceeded
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from customers.importing import ImportReport, sales_import
from customers.importing.uploads import upload_discard, upload_path, upload_store
from customers.models import ImportJob

logger = logging.getLogger(__name__)

ERRORS_KEPT = 200  # errors kept on the job for the page; the count says how many there were
PROGRESS_EVERY_SECONDS = 0.5
State, Stage = ImportJob.State, ImportJob.Stage


def job_create(*, uploaded, user, language: str = "") -> ImportJob:
    """Store an uploaded file and queue its check; the task is sent once the row is committed."""
    token = upload_store(uploaded)
    job = ImportJob.objects.create(
        token=token,
        file_name=(uploaded.name or "upload.csv")[:255],
        file_size=uploaded.size or 0,
        created_by=user,
        language=language,
    )
    _enqueue(job)
    return job


def job_confirm(job: ImportJob) -> bool:
    """Queue the import of a checked job; False if it is not waiting for a confirmation."""
    if upload_path(job.token) is None:
        _end(
            job,
            State.FAILED,
            reason=_("The uploaded file has expired (uploads are kept a day). Upload it again."),
            states=[State.CHECKED],
        )
        return False
    confirmed = ImportJob.objects.filter(pk=job.pk, state=State.CHECKED).update(
        stage=Stage.IMPORT,
        state=State.QUEUED,
        queued_at=timezone.now(),
        rows_processed=0,
        bytes_read=0,
        progressed_at=None,
    )
    if confirmed:
        _enqueue(job)
    return bool(confirmed)


def job_discard(job: ImportJob) -> bool:
    """Drop a checked job the manager does not want: its file goes now, not after a day."""
    _end(job, State.FAILED, reason=_("Discarded: nothing was imported."), states=[State.CHECKED])
    job.refresh_from_db()
    if job.state != State.FAILED:
        return False
    upload_discard(job.token)
    return True


def _enqueue(job: ImportJob) -> None:
    from customers.tasks import import_job_task

    transaction.on_commit(lambda: import_job_task.delay(job.pk))


def job_run(job_id: int) -> ImportJob | None:
    """What the worker does for a job: check it or import it. None if there is nothing to do.

    A job redelivered after its worker died is run again from the start (it is still running
    and the import has not committed, or it would be done); the import is idempotent anyway.
    """
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, state__in=[State.QUEUED, State.RUNNING]).update(
        state=State.RUNNING, started_at=now, progressed_at=now, rows_processed=0, bytes_read=0
    )
    if not claimed:
        return None
    job = ImportJob.objects.get(pk=job_id)
    with translation.override(job.language or None):
        _run(job)
    job.refresh_from_db()
    return job


def _run(job: ImportJob) -> None:
    path = upload_path(job.token)
    if path is None:
        _end(
            job,
            State.FAILED,
            reason=_("The uploaded file is gone (uploads are kept a day). Upload it again."),
        )
        return
    dry_run = job.stage == Stage.CHECK
    progress = ProgressWriter(job.pk)
    try:
        report = sales_import(
            path,
            dry_run=dry_run,
            progress=progress,
            before_commit=None if dry_run else (lambda report: _imported(job, report)),
        )
    except SoftTimeLimitExceeded:
        _end(job, State.FAILED, reason=_("The import took too long and was stopped: nothing was written."))
        upload_discard(job.token)
        return
    except Exception:
        logger.exception("import job %s failed", job.pk)
        _end(job, State.FAILED, reason=_("The import stopped on an unexpected error: nothing was written."))
        upload_discard(job.token)
        return
    finally:
        progress.close()
    if not report.ok:
        _end(job, State.FAILED, report=report, reason=_reason(report))
    elif dry_run:
        _end(job, State.CHECKED, report=report)
        return  # the file waits for the confirmation
    upload_discard(job.token)


def _imported(job: ImportJob, report: ImportReport) -> None:
    """Inside the import's transaction, just before its commit: the job is done with it.

    The file goes now, before the follow-ups are planned after the commit: whatever happens
    next the job ends done or failed, and both remove it.
    """
    _end(job, State.DONE, report=report)
    upload_discard(job.token)


def _reason(report: ImportReport) -> str:
    whole_file = next((error.message for error in report.errors if error.line is None), None)
    if whole_file:
        return whole_file
    return ngettext(
        "The file has %(count)d error: nothing was imported.",
        "The file has %(count)d errors: nothing was imported.",
        report.error_count,
    ) % {"count": report.error_count}


def _end(job: ImportJob, state: str, *, report: ImportReport | None = None, reason: str = "", states=None):
    """Move a running job (or one in `states`) to its end state; never overwrite a finished one."""
    values = {"state": state, "finished_at": timezone.now(), "reason": reason}
    if report is not None:
        values.update(
            format=report.format,
            counts=report.counts(),
            # Errors of lines; a problem of the whole file is the reason.
            error_count=report.error_count - sum(1 for e in report.errors if e.line is None),
            errors=[[e.line, e.field, e.message] for e in report.errors if e.line is not None][:ERRORS_KEPT],
            rows_processed=report.lines,
            rows_total=report.lines,
        )
    ImportJob.objects.filter(pk=job.pk, state__in=states or [State.RUNNING]).update(**values)


class ProgressWriter:
    """sales_import's progress callback: writes the job's progress at most twice a second.

    Through a connection of its own with short lock timeouts: progress is for the eyes, and an
    update that cannot be written at once is skipped rather than slowing the import down.
    """

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.conn = None
        self.last = 0.0

    def __call__(self, done: int, total: int | None, lines: int) -> None:
        now = time.monotonic()
        last_one = total is not None and done >= total
        if not last_one and now - self.last < PROGRESS_EVERY_SECONDS:
            return
        self.last = now
        table = ImportJob._meta.db_table
        try:
            conn = self._connection()
            with conn.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET rows_processed = %s, bytes_read = %s, progressed_at = %s "  # noqa: S608
                    "WHERE id = %s AND state = %s",
                    [
                        lines,
                        done,
                        conn.ops.adapt_datetimefield_value(timezone.now()),
                        self.job_id,
                        State.RUNNING,
                    ],
                )
        except DatabaseError as exc:
            logger.info("import job %s: progress not written (%s)", self.job_id, exc)
            self.close()

    def _connection(self):
        if self.conn is None:
            main = connections[DEFAULT_DB_ALIAS]
            options = dict(main.settings_dict.get("OPTIONS") or {})
            if main.vendor == "postgresql":
                limits = "-c lock_timeout=2000 -c statement_timeout=5000"
                options["options"] = f"{options.get('options', '')} {limits}".strip()
            else:
                options["timeout"] = 2
            self.conn = type(main)({**main.settings_dict, "OPTIONS": options}, DEFAULT_DB_ALIAS)
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except DatabaseError:
                pass
            self.conn = None

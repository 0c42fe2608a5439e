"""The managers' upload page: the request stores the file, a worker checks it (the preview) and,
once confirmed, imports it; the job's page shows the progress and the end state."""

import codecs
import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from customers.models import Customer, ImportJob, Sale, SaleLine
from tests.conftest import make_staff

DATA = Path(__file__).parent / "data"
URL = reverse("customers:import")
SAMPLE = (DATA / "sales_sample.csv").read_bytes()


@pytest.fixture(autouse=True)
def private_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture(autouse=True)
def english(client):
    # The messages are asserted in English; the default language is Spanish.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """POST as the browser does; the task queued after the commit runs (eagerly, in tests)."""

    def post(client, url, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {})

    return post


def upload(name: str, content: bytes) -> dict:
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv")}


def stored_uploads(tmp_path) -> list[Path]:
    return sorted((tmp_path / "imports").glob("*.csv"))


def job_page(client, response):
    assert response.status_code == 303
    return client.get(response["Location"])


def test_a_manager_sees_the_file_input_and_the_size_limit(manager_client, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 7
    response = manager_client.get(URL)

    assert response.status_code == 200
    assert b'type="file"' in response.content
    assert "Files of up to 7 MB." in response.content.decode()


def test_support_staff_are_refused(support_client, manager):
    assert support_client.get(URL).status_code == 403
    assert support_client.post(URL, upload("s.csv", SAMPLE)).status_code == 403
    job = ImportJob.objects.create(token="t" * 32, file_name="s.csv", created_by=manager)
    assert support_client.get(reverse("customers:import_job", args=[job.pk])).status_code == 403
    assert support_client.post(reverse("customers:import_confirm", args=[job.pk])).status_code == 403
    assert Sale.objects.count() == 0


def test_the_upload_is_checked_by_the_worker_and_previewed_without_writing(manager_client, send, tmp_path):
    response = send(manager_client, URL, upload("s.csv", SAMPLE))

    job = ImportJob.objects.get()
    assert response["Location"] == reverse("customers:import_job", args=[job.pk])
    assert (job.stage, job.state, job.file_name, job.file_size) == ("check", "checked", "s.csv", len(SAMPLE))
    assert job.counts["sales_created"] == 4 and job.counts["lines_written"] == 7
    assert job.rows_total == 7
    page = job_page(manager_client, response).content.decode()
    assert "Preview: what the import will do" in page
    assert "4 new, 0 changed, 0 unchanged" in page
    assert reverse("customers:import_confirm", args=[job.pk]) in page
    assert 'hx-trigger="every 1s"' not in page  # nothing left to poll
    assert len(stored_uploads(tmp_path)) == 1  # kept for the confirmation
    assert Sale.objects.count() == 0


def test_confirming_imports_the_file_shows_the_counts_and_removes_it(manager_client, send, tmp_path):
    send(manager_client, URL, upload("s.csv", SAMPLE))
    job = ImportJob.objects.get()

    response = send(manager_client, reverse("customers:import_confirm", args=[job.pk]))

    job.refresh_from_db()
    assert (job.stage, job.state) == ("import", "done")
    assert job.finished_at is not None and job.created_by.username == "marta"
    assert Sale.objects.count() == 4 and SaleLine.objects.count() == 7
    page = job_page(manager_client, response).content.decode()
    assert "Import complete" in page and "4 new, 0 changed, 0 unchanged" in page
    assert reverse("customers:list") in page
    assert stored_uploads(tmp_path) == []
    # Confirming again imports nothing more: the job is done.
    send(manager_client, reverse("customers:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == "done" and Sale.objects.count() == 4


def test_a_file_with_bad_lines_fails_with_its_errors_by_line_and_is_removed(manager_client, send, tmp_path):
    content = SAMPLE.replace(b",2,12.50,", b",two,12.50,")
    response = send(manager_client, URL, upload("bad.csv", content))

    job = ImportJob.objects.get()
    assert (job.stage, job.state, job.error_count) == ("check", "failed", 1)
    assert job.reason == "The file has 1 error: nothing was imported."
    html = job_page(manager_client, response).content.decode()
    assert "<td>3</td><td>quantity</td><td>must be a whole number greater than 0</td>" in html
    assert "Nothing was written, and the uploaded file was removed." in html
    assert "import_confirm" not in html and "/confirm/" not in html
    assert stored_uploads(tmp_path) == []
    assert Sale.objects.count() == 0


def test_a_failed_import_writes_nothing_and_says_why(manager_client, send, tmp_path):
    """What the check let through but the database refused (here: an order now placed after
    its recorded delivery) fails the job whole: one transaction, rolled back."""
    send(manager_client, URL, upload("s.csv", SAMPLE))
    send(manager_client, reverse("customers:import_confirm", args=[ImportJob.objects.get().pk]))
    before = dict(Sale.objects.values_list("external_id", "ordered_at"))
    rows = list(csv.DictReader(io.StringIO(SAMPLE.decode())))
    for row in rows:
        if row["order_id"] == "A-1002":
            row["channel"] = "phone"
        if row["order_id"] == "A-1001":  # now ordered after its recorded delivery
            row["ordered_at"] = "2024-03-06T10:00:00+01:00"
            row["delivered_at"] = row["delivery_status"] = ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    changed = out.getvalue().encode()
    send(manager_client, URL, upload("later.csv", changed))
    job = ImportJob.objects.get(file_name="later.csv")

    assert job.state == "checked"  # the dry run does not meet what only the merge meets

    response = send(manager_client, reverse("customers:import_confirm", args=[job.pk]))

    job.refresh_from_db()
    assert (job.stage, job.state) == ("import", "failed")
    assert job.reason.startswith("The database refused the import, so nothing was written")
    assert escape(job.reason) in job_page(manager_client, response).content.decode()
    assert dict(Sale.objects.values_list("external_id", "ordered_at")) == before
    assert Sale.objects.get(external_id="A-1002").channel == "store"
    assert stored_uploads(tmp_path) == []


def test_the_job_page_shows_the_progress_after_a_reload(manager_client, manager):
    job = ImportJob.objects.create(
        token="p" * 32,
        file_name="big.csv",
        file_size=60_000_000,
        stage="import",
        state="running",
        rows_processed=123_456,
        bytes_read=27_000_000,
        created_by=manager,
    )
    url = reverse("customers:import_job", args=[job.pk])

    for _reload in range(2):
        page = manager_client.get(url).content.decode()
        assert '<progress id="job-progress" max="100" value="45"' in page
        assert 'aria-valuenow="45"' in page
        assert "123,456 lines read (45%)" in page
        assert f'hx-get="{url}" hx-trigger="every 1s"' in page
    # The poll gets the status part only, still polling.
    part = manager_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert part.lstrip().startswith('<section id="import-job"') and "every 1s" in part
    assert "<html" not in part


def test_a_job_of_another_manager_is_not_found(manager_client, send):
    send(manager_client, URL, upload("s.csv", SAMPLE))
    job = ImportJob.objects.get()
    manager_client.logout()
    manager_client.force_login(make_staff("rosa", "Manager"))

    assert manager_client.get(reverse("customers:import_job", args=[job.pk])).status_code == 404
    assert manager_client.post(reverse("customers:import_confirm", args=[job.pk])).status_code == 404
    assert Sale.objects.count() == 0


def test_a_file_over_the_limit_gets_a_clear_message_and_is_not_stored(manager_client, settings, tmp_path):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    response = manager_client.post(URL, upload("huge.csv", SAMPLE + b"x" * (3 * 1024 * 1024)))

    assert response.status_code == 400
    html = response.content.decode()
    assert "The file is 3.0 MB; the import page takes files of up to 1 MB." in html
    assert 'aria-invalid="true"' in html
    # Stopped while it arrived (the handler), not checked once stored whole.
    assert response.context["form"].stopped_at > 3 * 1024 * 1024
    assert "This field is required" not in html
    assert not ImportJob.objects.exists()
    assert stored_uploads(tmp_path) == []


def test_a_file_at_the_limit_is_taken(manager_client, settings, send):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    content = SAMPLE + b"\n" * (1024 * 1024 - len(SAMPLE))  # blank lines are skipped
    assert len(content) == 1024 * 1024

    response = send(manager_client, URL, upload("full.csv", content))

    assert response.status_code == 303
    assert ImportJob.objects.get().state == "checked", ImportJob.objects.get().reason


def test_the_upload_still_needs_the_csrf_token(manager, tmp_path):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)

    assert client.post(URL, upload("s.csv", SAMPLE)).status_code == 403
    assert not ImportJob.objects.exists()
    assert stored_uploads(tmp_path) == []


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-16", True), ("utf-16-le", True), ("utf-16-be", True), ("utf-16-le", False), ("utf-16-be", False)],
)
def test_a_utf16_file_imports(manager_client, send, encoding, bom):
    text = SAMPLE.decode("utf-8").replace("María García", "María García Ñúñez")
    content = text.encode(encoding)  # "utf-16" writes its own mark, in this machine's order
    if encoding != "utf-16":
        marks = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}
        content = (marks[encoding] if bom else b"") + content
    send(manager_client, URL, upload("unicode.csv", content))
    send(manager_client, reverse("customers:import_confirm", args=[ImportJob.objects.get().pk]))

    assert ImportJob.objects.get().state == "done", ImportJob.objects.get().reason
    assert Sale.objects.count() == 4 and SaleLine.objects.count() == 7
    assert Customer.objects.get(external_id="C-001").name == "María García Ñúñez"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV file"),
        (b"nombre,correo\nAna,ana@example.com\n", "Unknown header"),
        (
            b"order_id,ordered_at,customer_id,item_name,quantity,unit_price\n",
            "The file has a header row but no data rows.",
        ),
    ],
)
def test_whole_file_problems_get_a_friendly_message(manager_client, send, tmp_path, content, expected):
    response = send(manager_client, URL, upload("f.csv", content))

    job = ImportJob.objects.get()
    assert job.state == "failed" and job.reason.startswith(expected)
    html = job_page(manager_client, response).content.decode()
    assert expected in html and "/confirm/" not in html
    assert stored_uploads(tmp_path) == []


def test_a_shopify_export_is_previewed_as_such(manager_client, send):
    content = (DATA / "shopify_orders_export.csv").read_bytes()
    response = send(manager_client, URL, upload("orders_export.csv", content))

    assert ImportJob.objects.get().format == "shopify"
    assert "Shopify orders export" in job_page(manager_client, response).content.decode()


def test_the_upload_page_lists_the_managers_recent_uploads(manager_client, send):
    send(manager_client, URL, upload("first.csv", SAMPLE))
    send(manager_client, URL, upload("second.csv", b""))

    html = manager_client.get(URL).content.decode()
    assert "first.csv" in html and "checked: waiting for your confirmation" in html
    assert "second.csv" in html and "refused: nothing imported" in html


def test_a_job_no_worker_takes_says_so(manager_client, manager):
    job = ImportJob.objects.create(
        token="q" * 32,
        file_name="s.csv",
        created_by=manager,
        queued_at=timezone.now() - dt.timedelta(minutes=2),
    )
    page = manager_client.get(reverse("customers:import_job", args=[job.pk])).content.decode()

    assert "Waiting for a worker to start…" in page
    assert "No worker has taken the file yet: is the Celery worker running?" in page
    ImportJob.objects.filter(pk=job.pk).update(queued_at=timezone.now())
    page = manager_client.get(reverse("customers:import_job", args=[job.pk])).content.decode()
    assert "No worker has taken the file yet" not in page


def test_confirming_a_preview_whose_file_expired_fails_it_clearly(manager_client, send, tmp_path):
    send(manager_client, URL, upload("s.csv", SAMPLE))
    job = ImportJob.objects.get()
    for path in stored_uploads(tmp_path):  # uploads nobody confirms are deleted after a day
        path.unlink()

    response = send(manager_client, reverse("customers:import_confirm", args=[job.pk]))

    job.refresh_from_db()
    assert (job.stage, job.state) == ("check", "failed")
    assert job.reason == "The uploaded file has expired (uploads are kept a day). Upload it again."
    assert job.reason in job_page(manager_client, response).content.decode()
    assert Sale.objects.count() == 0


def test_the_request_only_stores_the_file_and_queues_the_job(manager_client, tmp_path):
    """Before the worker runs (here: the task is never sent, as nothing commits), the page says
    it is waiting and polls; nothing was read yet."""
    response = manager_client.post(URL, upload("s.csv", SAMPLE))

    job = ImportJob.objects.get()
    assert (job.stage, job.state, job.rows_processed, job.counts) == ("check", "queued", 0, {})
    assert [path.read_bytes() for path in stored_uploads(tmp_path)] == [SAMPLE]
    page = job_page(manager_client, response).content.decode()
    assert "Waiting for a worker to start…" in page
    assert 'hx-trigger="every 1s"' in page and 'value="0"' in page


def test_discarding_a_preview_removes_its_file_and_imports_nothing(manager_client, send, tmp_path):
    send(manager_client, URL, upload("s.csv", SAMPLE))
    job = ImportJob.objects.get()
    assert (
        reverse("customers:import_discard", args=[job.pk])
        in manager_client.get(reverse("customers:import_job", args=[job.pk])).content.decode()
    )

    response = send(manager_client, reverse("customers:import_discard", args=[job.pk]))

    assert response.status_code == 303 and response["Location"] == URL
    job.refresh_from_db()
    assert (job.state, job.reason) == ("failed", "Discarded: nothing was imported.")
    assert stored_uploads(tmp_path) == []
    # Neither a confirmation now nor a second discard brings it back.
    send(manager_client, reverse("customers:import_confirm", args=[job.pk]))
    send(manager_client, reverse("customers:import_discard", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == "failed" and Sale.objects.count() == 0

"""The managers' upload page for the sales CSV: upload, a checked preview, confirm, progress.

The request only stores the file and an ImportJob; a Celery worker checks the file (the preview,
a dry run of the whole file: a big one takes longer than a web request may) and, once confirmed,
imports it (customers/importing/jobs.py). The job's page polls its state with htmx.
"""

from django import forms
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from accounts.permissions import ManagerRequiredMixin
from customers.importing import CANONICAL_COLUMNS
from customers.importing.jobs import job_confirm, job_create, job_discard
from customers.models import ImportJob

RECENT_JOBS = 10
MB = 1024 * 1024


def _too_large(size: int) -> forms.ValidationError:
    return forms.ValidationError(
        _(
            "The file is %(size)s MB; the import page takes files of up to %(limit)d MB. "
            "Split it into smaller files (each one imports whole, and importing a file "
            "again changes nothing), or ask an administrator to run manage.py import_sales."
        )
        % {"size": f"{size / MB:.1f}", "limit": settings.IMPORT_MAX_UPLOAD_MB},
        code="too_large",
    )


class SizeLimitedUpload(FileUploadHandler):
    """Stops storing an upload once it passes the limit: the rest of the body is read and
    dropped, never written to a temporary file, and the form says why."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.stopped = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.stopped = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) makes the file


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"), allow_empty_file=True)

    def __init__(self, *args, stopped_at: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stopped_at = stopped_at  # the request's size when SizeLimitedUpload stopped it

    def clean(self):
        if self.stopped_at is not None:
            self.errors.pop("file", None)  # "required": it was not kept
            self.add_error("file", _too_large(self.stopped_at))
        return super().clean()

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > settings.IMPORT_MAX_UPLOAD_MB * MB:
            raise _too_large(uploaded.size)
        return uploaded


# CSRF is checked in post(), after the size limit's handler is in place: the middleware would
# read the body first (Django's "modifying upload handlers on the fly").
@method_decorator(csrf_exempt, name="dispatch")
class SalesImportView(ManagerRequiredMixin, View):
    template_name = "customers/import.html"

    def get(self, request):
        return self._render(request, UploadForm())

    def post(self, request):
        limit = SizeLimitedUpload(request, settings.IMPORT_MAX_UPLOAD_MB * MB)
        request.upload_handlers.insert(0, limit)
        return self._post(request, limit)

    @method_decorator(csrf_protect)
    def _post(self, request, limit: SizeLimitedUpload):
        form = UploadForm(request.POST, request.FILES)
        if limit.stopped:
            form = UploadForm(request.POST, {}, stopped_at=int(request.META.get("CONTENT_LENGTH") or 0))
        if not form.is_valid():
            return self._render(request, form, status=400)
        with transaction.atomic():
            job = job_create(uploaded=form.cleaned_data["file"], user=request.user, language=get_language())
        return HttpResponseRedirect(reverse("customers:import_job", args=[job.pk]), status=303)

    def _render(self, request, form, status=200):
        jobs = ImportJob.objects.filter(created_by=request.user)[:RECENT_JOBS]
        context = {
            "form": form,
            "columns": CANONICAL_COLUMNS,
            "jobs": jobs,
            "limit_mb": settings.IMPORT_MAX_UPLOAD_MB,
        }
        return render(request, self.template_name, context, status=status)


def _own_job(request, pk: int) -> ImportJob:
    # A manager sees the jobs they uploaded; another's id is a 404, as if it did not exist.
    return get_object_or_404(ImportJob, pk=pk, created_by=request.user)


class ImportJobView(ManagerRequiredMixin, View):
    """The job's page; an htmx request (the poll) gets only its status part."""

    def get(self, request, pk: int):
        job = _own_job(request, pk)
        template = "customers/_import_job.html" if request.htmx else "customers/import_job.html"
        context = {"job": job, "errors_hidden": max(0, job.error_count - len(job.errors))}
        return render(request, template, context)


class ImportConfirmView(ManagerRequiredMixin, View):
    def post(self, request, pk: int):
        job = _own_job(request, pk)
        with transaction.atomic():
            job_confirm(job)
        return HttpResponseRedirect(reverse("customers:import_job", args=[job.pk]), status=303)


class ImportDiscardView(ManagerRequiredMixin, View):
    def post(self, request, pk: int):
        job_discard(_own_job(request, pk))
        return HttpResponseRedirect(reverse("customers:import"), status=303)

"""The managers' upload page for the sales CSV: upload, preview with errors by line, confirm."""

from django import forms
from django.contrib import messages
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.permissions import ManagerRequiredMixin
from customers.importing import CANONICAL_COLUMNS, ImportReport, sales_import
from customers.importing.uploads import upload_discard, upload_path, upload_store

ERRORS_SHOWN = 200
SESSION_KEY = "sales_import_tokens"


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"), allow_empty_file=True)


class SalesImportView(ManagerRequiredMixin, View):
    template_name = "customers/import.html"

    def get(self, request):
        return self._render(request, form=UploadForm())

    def post(self, request):
        if "token" in request.POST:
            return self._confirm(request, request.POST["token"])
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, form=form)
        token = upload_store(form.cleaned_data["file"])
        report = sales_import(upload_path(token), dry_run=True)
        if not report.ok:
            upload_discard(token)
            return self._render(request, form=form, report=report, problem=_file_problem(report))
        request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, [])[-9:], token]
        return self._render(request, form=UploadForm(), report=report, token=token)

    def _confirm(self, request, token: str):
        tokens = request.session.get(SESSION_KEY, [])
        path = upload_path(token) if token in tokens else None
        if path is None:
            messages.error(
                request, _("That upload has expired or was already imported. Upload the file again.")
            )
            return self._render(request, form=UploadForm())
        report = sales_import(path)
        if not report.ok:
            return self._render(request, form=UploadForm(), report=report, problem=_file_problem(report))
        upload_discard(token)
        request.session[SESSION_KEY] = [t for t in tokens if t != token]
        messages.success(
            request,
            _("Import complete: %(sales)d sales created, %(updated)d updated, %(unchanged)d unchanged.")
            % {
                "sales": report.sales_created,
                "updated": report.sales_updated,
                "unchanged": report.sales_unchanged,
            },
        )
        return self._render(request, form=UploadForm(), report=report, done=True)

    def _render(self, request, *, form, report: ImportReport | None = None, **context):
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "report": report,
                "columns": CANONICAL_COLUMNS,
                "errors": report.errors[:ERRORS_SHOWN] if report else [],
                "errors_hidden": report.error_count - ERRORS_SHOWN if report else 0,
                **context,
            },
        )


def _file_problem(report: ImportReport) -> str | None:
    """A problem of the whole file (empty, not CSV, unknown header) rather than of its lines."""
    return next((error.message for error in report.errors if error.line is None), None)

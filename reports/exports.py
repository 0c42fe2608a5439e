"""CSV exports, streamed a row at a time, safe to open in a spreadsheet."""

import csv

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

# A cell a spreadsheet would read as a formula (OWASP "CSV injection") is prefixed with a quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value):
        return value


def csv_response(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def stream():
        yield writer.writerow([neutralise(h) for h in header])
        for row in rows:
            yield writer.writerow([neutralise(cell) for cell in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def at_risk_csv(predictions) -> StreamingHttpResponse:
    header = [
        _("Customer id"),
        _("Name"),
        _("E-mail"),
        _("P(alive)"),
        _("Expected purchases, next 13 weeks"),
        _("Expected purchases, next 52 weeks"),
        _("Expected value, next 52 weeks"),
        _("Spend"),
        _("Repeat purchases"),
        _("Weeks since the last purchase"),
        _("Reason"),
    ]
    rows = (
        [
            p.customer.external_id,
            p.customer.name,
            p.customer.email,
            f"{p.p_alive:.3f}",
            f"{p.expected_13w:.2f}",
            f"{p.expected_52w:.2f}",
            p.value,
            p.spend,
            p.repeat_purchases,
            f"{p.weeks_silent:.1f}",
            p.reason,
        ]
        for p in predictions.iterator(chunk_size=2000)
    )
    return csv_response("customers-at-risk.csv", header, rows)

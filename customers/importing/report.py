"""What an import found and did: row errors by line and field, and the counts of each change."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

# Errors kept for the report; the rest are only counted, so a file that is wrong on every one of
# its million lines does not fill the memory with messages.
MAX_ERRORS_KEPT = 10_000


@dataclass(frozen=True)
class RowError:
    line: int | None  # CSV line number, the header is line 1; None for a problem of the whole file
    field: str  # the column as the file names it
    message: str

    def __str__(self):
        if self.line is None:
            return self.message
        where = _("line %(line)d") % {"line": self.line}
        return f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


@dataclass
class ImportReport:
    format: str = ""
    dry_run: bool = False
    lines: int = 0  # data lines read
    orders: int = 0
    customers_created: int = 0
    customers_updated: int = 0
    customers_unchanged: int = 0
    sales_created: int = 0
    sales_updated: int = 0
    sales_unchanged: int = 0
    lines_written: int = 0  # lines of new sales and of sales whose lines were replaced
    deliveries_created: int = 0
    deliveries_updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0  # every error found, kept or not
    committed: bool = False

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def errors_not_kept(self) -> int:
        return self.error_count - len(self.errors)

    def add_error(self, line: int | None, field_name: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(RowError(line, field_name, message))

    def counts(self) -> dict[str, int]:
        return {
            "lines": self.lines,
            "orders": self.orders,
            "customers_created": self.customers_created,
            "customers_updated": self.customers_updated,
            "customers_unchanged": self.customers_unchanged,
            "sales_created": self.sales_created,
            "sales_updated": self.sales_updated,
            "sales_unchanged": self.sales_unchanged,
            "lines_written": self.lines_written,
            "deliveries_created": self.deliveries_created,
            "deliveries_updated": self.deliveries_updated,
            "errors": self.error_count,
        }

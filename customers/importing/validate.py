"""The per-line checks of the streaming pass: each canonical record becomes a staging row or errors.

Checks that need other lines (an order's lines agree with each other) run later, in SQL over the
staging table, so this pass keeps nothing but the current line in memory. It runs once per line
of files with hundreds of thousands of them, so the common case takes a fast path (a match of
the usual spelling) and only an unusual value pays for the general parse.
"""

import datetime as dt
import re
import zoneinfo
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.choices import Channel, DeliveryStatus, Language
from customers.importing.dialect import COPY_NULL
from customers.importing.formats import CANONICAL_COLUMNS, Format, Record
from customers.importing.report import ImportReport
from postsale.lib import dates

MAX_QUANTITY = 2_147_483_647
MAX_PRICE = Decimal("9999999999.99")  # max_digits=12, decimal_places=2
CENT = Decimal("0.01")
CURRENCY_RE = re.compile(r"[A-Z]{3}")
PRICE_RE = re.compile(r"\d{1,10}(\.\d{1,2})?")
DATE_RE = re.compile(r"\d{4}-\d\d-\d\d")
# Spellings of an aware time that PostgreSQL reads as they are, so the raw text goes to COPY.
MOMENT_RE = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d{1,6})?)?(Z|[+-]\d\d(:?\d\d)?)")
MAX_LENGTHS = {
    "order_id": 100,
    "customer_id": 100,
    "customer_email": 254,
    "customer_name": 200,
    "customer_phone": 40,
    "item_sku": 100,
    "item_name": 300,
    "item_category": 100,
    "carrier": 100,
    "tracking_number": 100,
    "offer_code": 40,
}
TEXT_LIMITS = tuple((CANONICAL_COLUMNS.index(name), name, limit) for name, limit in MAX_LENGTHS.items())
SHORTEST_LIMIT = min(MAX_LENGTHS.values())
NULL = COPY_NULL

# Spellings a shop's export or a person might use, in English and Spanish, for each choice.
CHANNEL_ALIASES = {
    Channel.ONLINE: (
        "web",
        "website",
        "ecommerce",
        "e_commerce",
        "internet",
        "app",
        "mobile",
        "shopify",
        "marketplace",
        "en_linea",
        "en_línea",
        "tienda_online",
    ),
    Channel.STORE: (
        "shop",
        "tienda",
        "in_store",
        "instore",
        "retail",
        "pos",
        "local",
        "offline",
        "tienda_fisica",
        "tienda_física",
        "física",
        "fisica",
    ),
    Channel.PHONE: (
        "telephone",
        "telefono",
        "teléfono",
        "call",
        "call_center",
        "callcenter",
        "por_telefono",
        "por_teléfono",
    ),
}
STATUS_ALIASES = {
    DeliveryStatus.PENDING: (
        "new",
        "unfulfilled",
        "awaiting_shipment",
        "processing",
        "preparing",
        "pendiente",
        "en_preparacion",
        "en_preparación",
    ),
    DeliveryStatus.IN_TRANSIT: (
        "transit",
        "shipped",
        "sent",
        "dispatched",
        "out_for_delivery",
        "partial",
        "en_transito",
        "en_tránsito",
        "enviado",
        "en_reparto",
    ),
    DeliveryStatus.DELAYED: ("late", "retrasado", "con_retraso", "retraso"),
    DeliveryStatus.DELIVERED: ("fulfilled", "done", "complete", "completed", "entregado"),
    DeliveryStatus.FAILED: ("failure", "lost", "fallido", "perdido", "incidencia"),
    DeliveryStatus.RETURNED: (
        "return",
        "returned_to_sender",
        "restocked",
        "devuelto",
        "devolucion",
        "devolución",
    ),
}
LANGUAGE_ALIASES = {
    Language.ES: ("spa", "spanish", "español", "espanol", "castellano"),
    Language.EN: ("eng", "english", "inglés", "ingles"),
}


def _key(raw: str) -> str:
    return raw.strip().lower().replace("-", "_").replace(" ", "_")


def _alias_table(choices, aliases) -> dict[str, str]:
    table = {}
    for value, label in choices.choices:
        table[value] = table[_key(str(label))] = value
    for value, names in aliases.items():
        table.update(dict.fromkeys(names, value))
    return table


CHANNELS = _alias_table(Channel, CHANNEL_ALIASES)
STATUSES = _alias_table(DeliveryStatus, STATUS_ALIASES)
LANGUAGES = _alias_table(Language, LANGUAGE_ALIASES)


@lru_cache(maxsize=65536)
def _email_ok(value: str) -> bool:
    if len(value) > MAX_LENGTHS["customer_email"]:
        return False
    try:
        EmailValidator()(value)
    except ValidationError:
        return False
    return True


class LineCleaner:
    """Turns a record into the staging row (staging.COLUMNS order) or reports each bad field."""

    def __init__(self, *, fmt: Format, report: ImportReport, postgres: bool):
        self.fmt = fmt
        self.report = report
        self.zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.postgres = postgres
        self.null = NULL if postgres else None
        self._moments: dict[str, tuple[dt.datetime, str]] = {}  # an order's lines repeat its time
        self._births: dict[str, tuple[str, str | None]] = {}  # (staging text, problem)
        self._orders: dict[str, tuple] = {}  # ordered_at text: (problem, moment, delivery bounds)
        self.latest_order = dates.latest_order()
        self.calendar = timezone.get_current_timezone()  # the order's day for its delivery dates

    def clean(self, record: Record) -> tuple | None:
        """The staging row, every value a string (or the backend's NULL), or None if bad."""
        line, values, extra_cells = record
        (
            order_id,
            ordered_raw,
            channel_raw,
            currency_raw,
            customer_id,
            email,
            name,
            phone,
            birth_raw,
            language_raw,
            sku,
            item_name,
            category,
            quantity_raw,
            price_raw,
            promised_raw,
            estimated_raw,
            delivered_raw,
            carrier,
            tracking,
            status_raw,
            offer_code,
        ) = values
        bad: list[tuple[str, str]] = []
        if extra_cells:
            bad.append(
                ("", _("has more cells than the header has columns (is a value with a comma not quoted?)"))
            )
        if max(map(len, values)) > SHORTEST_LIMIT:
            _check_lengths(values, bad)
        if not order_id:
            bad.append(("order_id", _("is required")))
        if not item_name:
            bad.append(("item_name", _("is required")))
        ordered_at, bounds = self._order_time(ordered_raw, bad)
        delivered_at = self._moment(delivered_raw, "delivered_at", bad)
        if ordered_at and delivered_at:
            _problem(
                dates.delivered_time_problem(delivered_at[0], ordered_at=ordered_at[0]), "delivered_at", bad
            )
        elif delivered_at:
            _problem(dates.offset_problem(delivered_at[0]), "delivered_at", bad)
        customer_key = self._customer_key(customer_id, email, bad)
        n = self.null
        row = (
            str(line),
            order_id,
            ordered_at[1] if ordered_at else n,
            _choice(channel_raw, CHANNELS, "channel", bad) or Channel.ONLINE.value,
            _currency(currency_raw, bad),
            customer_key,
            email or n,
            name or n,
            phone or n,
            self._birth_date(birth_raw, bad) or n,
            _choice(language_raw, LANGUAGES, "customer_language", bad) or n,
            sku or n,
            item_name,
            category or n,
            _quantity(quantity_raw, bad),
            _price(price_raw, bad),
            _delivery_date(promised_raw, "promised_delivery_date", bounds, bad) or n,
            _delivery_date(estimated_raw, "estimated_delivery_date", bounds, bad) or n,
            delivered_at[1] if delivered_at else n,
            carrier or n,
            tracking or n,
            _choice(status_raw, STATUSES, "delivery_status", bad) or n,
            offer_code or n,
        )
        if bad:
            for field, message in bad:
                self.report.add_error(line, self.fmt.label(field) if field else "", message)
            return None
        return row

    @staticmethod
    def _customer_key(customer_id: str, email: str, bad: list) -> str:
        if email and not _email_ok(email):
            bad.append(("customer_email", _("is not a valid e-mail address")))
        key = customer_id or email.lower()
        if not key:
            bad.append(("customer_id", _("is required: the customer needs an id or an e-mail address")))
        elif len(key) > MAX_LENGTHS["customer_id"]:
            bad.append(("customer_email", _("is too long to identify the customer (at most 100 characters)")))
        return key

    def _birth_date(self, raw: str, bad: list) -> str | None:
        if not raw:
            return None
        checked = self._births.get(raw)
        if checked is None:
            try:
                value, text = _iso_date(raw)
            except ValueError:
                bad.append(("customer_birth_date", _("must be an ISO 8601 date, e.g. 2024-03-05")))
                return None
            checked = self._births[raw] = (text, dates.birth_date_problem(value))
        text, problem = checked
        return None if _problem(problem, "customer_birth_date", bad) else text

    def _order_time(self, raw: str, bad: list):
        """(the _moment tuple, the bounds of its delivery dates), or (None, None) if bad."""
        checked = self._orders.get(raw)
        if checked is None:
            moment = self._moment(raw, "ordered_at", bad, required=True)
            if moment is None:
                return None, None
            problem = dates.order_time_problem(moment[0], latest=self.latest_order)
            if len(self._orders) > 10_000:
                self._orders.clear()
            if problem:
                checked = self._orders[raw] = (problem, None, None)
            else:
                bounds = dates.delivery_date_bounds(moment[0], zone=self.calendar)
                checked = self._orders[raw] = (None, moment, bounds)
        problem, moment, bounds = checked
        return (None, None) if _problem(problem, "ordered_at", bad) else (moment, bounds)

    def _moment(self, raw: str, field: str, bad: list, *, required: bool = False):
        """(aware datetime, its staging text), or None; naive times are the shop's local time."""
        if not raw:
            if required:
                bad.append((field, _("is required")))
            return None
        cached = self._moments.get(raw)
        if cached is not None:
            return cached
        try:
            value = dt.datetime.fromisoformat(raw)
        except ValueError:
            bad.append((field, _("must be an ISO 8601 date and time, e.g. 2024-03-05T14:30:00+01:00")))
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.zone)
        try:
            utc = value.astimezone(dt.UTC)
        except OverflowError:  # 0001-01-01 at +01:00 is a year before 1 in UTC
            bad.append((field, _("The date is out of range.")))
            return None
        if len(self._moments) > 10_000:
            self._moments.clear()
        self._moments[raw] = result = (value, self._staged(raw, utc))
        return result

    def _staged(self, raw: str, utc: dt.datetime) -> str:
        if self.postgres:
            # The raw text when PostgreSQL reads it as it is (and the offset is one it accepts:
            # the rules refuse the line otherwise, before COPY sees it); else an unambiguous UTC.
            return raw if MOMENT_RE.fullmatch(raw) else utc.isoformat()
        # What Django stores in SQLite: UTC, naive, "YYYY-MM-DD HH:MM:SS[.ffffff]".
        return str(utc.replace(tzinfo=None))


def _check_lengths(values: tuple[str, ...], bad: list) -> None:
    for position, field, limit in TEXT_LIMITS:
        if len(values[position]) > limit:
            bad.append((field, _("must be at most %(max)d characters") % {"max": limit}))


def _problem(problem: str | None, field: str, bad: list) -> bool:
    if problem:
        bad.append((field, problem))
    return bool(problem)


def _delivery_date(raw: str, field: str, bounds, bad: list) -> str | None:
    if not raw:
        return None
    try:
        value, text = _iso_date(raw)
    except ValueError:
        bad.append((field, _("must be an ISO 8601 date, e.g. 2024-03-05")))
        return None
    if bounds and _problem(dates.delivery_date_problem(value, bounds=bounds), field, bad):
        return None
    return text


@lru_cache(maxsize=4096)  # promised dates and birthdays repeat across a file's lines
def _iso_date(raw: str) -> tuple[dt.date, str]:
    value = dt.date.fromisoformat(raw)
    return value, (raw if DATE_RE.fullmatch(raw) else value.isoformat())


def _choice(raw: str, table: dict[str, str], field: str, bad: list) -> str | None:
    if not raw:
        return None
    value = table.get(raw)
    if value is None:
        key = _key(raw)
        value = table.get(key)
        if value is None and table is LANGUAGES:  # es-ES, en_GB
            value = table.get(key.split("_", 1)[0])
    if value is None:
        bad.append(
            (
                field,
                _("“%(value)s” is not one of: %(choices)s")
                % {"value": raw, "choices": ", ".join(dict.fromkeys(table.values()))},
            )
        )
    return value


def _currency(raw: str, bad: list) -> str:
    if not raw:
        return "EUR"
    code = raw.upper()
    if not CURRENCY_RE.fullmatch(code):
        bad.append(("currency", _("must be a 3-letter currency code such as EUR")))
    return code


def _quantity(raw: str, bad: list) -> str | None:
    # len() first: int() refuses a string of more than 4,300 digits with an exception.
    if raw.isascii() and raw.isdigit() and len(raw) <= 10 and 0 < int(raw) <= MAX_QUANTITY:
        return raw
    if not raw:
        bad.append(("quantity", _("is required")))
        return None
    value = _integral(raw)
    if value is None or not 0 < value <= MAX_QUANTITY:
        bad.append(("quantity", _("must be a whole number greater than 0")))
        return None
    return str(value)


def _integral(raw: str) -> int | None:
    """Spreadsheets write 2 as 2.0; accept that, but not 2.5."""
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    if not value.is_finite() or value.copy_abs() > MAX_QUANTITY:  # copy_abs: abs() overflows on 1E+999999999
        return None
    return int(value) if value == value.to_integral_value() else None


def _price(raw: str, bad: list) -> str | None:
    if PRICE_RE.fullmatch(raw):
        return raw
    if not raw:
        bad.append(("unit_price", _("is required")))
        return None
    if "," in raw and "." not in raw:  # 12,50 from a Spanish spreadsheet
        raw = raw.replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0:
        message = _("must be a number greater than or equal to 0, e.g. 12.50")
    elif value > MAX_PRICE:
        message = _("is too large")
    elif value != value.quantize(CENT):
        message = _("must have at most 2 decimals")
    else:
        return str(value.quantize(CENT))
    bad.append(("unit_price", message))
    return None

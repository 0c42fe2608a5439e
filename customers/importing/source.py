"""Opening an uploaded or local CSV file as a stream of rows, with friendly file-level errors.

Nothing here reads the whole file: the header is sniffed from the first block and rows are read
one at a time through csv.reader.
"""

import codecs
import csv
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

SNIFF_BYTES = 64 * 1024
# Magic numbers of what managers upload by mistake: xlsx/zip, xls, PDF, gzip.
BINARY_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF", b"\x1f\x8b")
DELIMITERS = (",", ";", "\t")
csv.field_size_limit(1024 * 1024)
# Byte order marks: the codec named reads the mark and the byte order it gives.
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
ENCODING_PROBLEM = gettext_lazy(
    "The file mixes text encodings (near line %(line)d). Save it as CSV (UTF-8) and try again."
)


class FileProblem(Exception):
    """The file as a whole cannot be read as a sales CSV; the message is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class CsvSource:
    header: list[str]
    rows: Iterator[list[str]]  # the csv reader of the data rows, from line 2
    size: int | None
    _raw: io.BufferedIOBase

    def bytes_read(self) -> int:
        # The binary buffer's position runs ahead of the csv reader by at most one block: close
        # enough for a progress bar, and free.
        return self._raw.tell()

    def problem(self, exc: Exception) -> FileProblem:
        """The user's words for an error the reader raised half-way through the file."""
        line = self.rows.line_num + 1  # the header line was read before the reader
        if isinstance(exc, UnicodeDecodeError):
            return FileProblem(ENCODING_PROBLEM % {"line": line + 1})
        return FileProblem(
            _("The file is not valid CSV near line %(line)d: %(error)s") % {"line": line, "error": exc}
        )


@contextmanager
def open_csv(source) -> Iterator[CsvSource]:
    """Yield the header and a row iterator of a path or binary file object."""
    raw, owned = _open_binary(source)
    try:
        sample = raw.peek(SNIFF_BYTES)[:SNIFF_BYTES] if hasattr(raw, "peek") else b""
        encoding = _encoding_of(sample)
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        try:
            header_line = text.readline()
            if not header_line.strip():
                raise FileProblem(_("The file is empty."))
            delimiter = max(DELIMITERS, key=header_line.count)
            header = next(csv.reader([header_line], delimiter=delimiter))
        except UnicodeDecodeError as exc:
            raise FileProblem(ENCODING_PROBLEM % {"line": 1}) from exc
        except csv.Error as exc:
            raise FileProblem(_("The header row is not valid CSV: %(error)s") % {"error": exc}) from exc
        reader = csv.reader(_without_nul(text), delimiter=delimiter)
        yield CsvSource(header=[h.strip() for h in header], rows=reader, size=_size(raw), _raw=raw)
    finally:
        if owned:
            raw.close()


def _without_nul(lines):
    """The text's lines, stopping at a NUL character: the reader would take it, PostgreSQL not.
    (A NUL in the first block already refuses the file as binary; UTF-16 and a later block can
    still bring one.)"""
    for line in lines:
        if "\x00" in line:
            raise csv.Error(_("the line holds a NUL character (is it a binary file?)"))
        yield line


def _open_binary(source) -> tuple[io.BufferedIOBase, bool]:
    if isinstance(source, str | os.PathLike):
        return open(source, "rb", buffering=SNIFF_BYTES), True  # closed by open_csv
    if isinstance(source, io.TextIOBase):
        return source.buffer, False
    if not isinstance(source, io.BufferedReader):
        source = io.BufferedReader(source)
    return source, False


def _encoding_of(sample: bytes) -> str:
    if not sample:
        raise FileProblem(_("The file is empty."))
    if sample.startswith(UTF16_BOMS):
        # What Excel's "Unicode text" and some exports write (LibreOffice, Numbers, Google
        # Sheets write UTF-8): the codec reads the mark and picks the byte order.
        return "utf-16"
    if (utf16 := _utf16_without_bom(sample)) is not None:
        return utf16
    if sample.startswith(BINARY_SIGNATURES) or b"\x00" in sample:
        raise FileProblem(
            _(
                "This is not a CSV file (it looks like a spreadsheet or another binary "
                "file). Save it as CSV (UTF-8) and upload that."
            )
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        # Spanish Excel saves "CSV (delimitado por comas)" as Windows-1252.
        return "cp1252"
    return "utf-8-sig"


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 without a byte order mark, recognised from its header: mostly ASCII, so every
    other byte of the first ones is NUL, the even ones in big-endian, the odd in little-endian."""
    head = sample[:64]
    if len(head) < 8 or len(head) % 2:
        head = head[: len(head) - len(head) % 2]
    if len(head) < 8:
        return None
    evens, odds = head[0::2], head[1::2]
    if not evens.count(0) and odds.count(0) == len(odds):
        return "utf-16-le"
    if not odds.count(0) and evens.count(0) == len(evens):
        return "utf-16-be"
    return None


def _size(raw) -> int | None:
    try:
        return os.fstat(raw.fileno()).st_size
    except (OSError, AttributeError, io.UnsupportedOperation):
        return None

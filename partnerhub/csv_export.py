"""CSV responses for every list, written so spreadsheets read them right.

- UTF-8 with a byte-order mark: Excel and LibreOffice then read "Zürich", not "ZÃ¼rich".
- Every cell quoted: a spreadsheet that splits on ";" cannot turn ``x;=1+1;y`` into a formula.
- Only real formulas are defused (a leading ``=`` or ``@``, a leading tab or carriage return, or
  ``+``/``-`` followed by something other than a number), with a leading apostrophe; phone numbers
  (``+41 44 123 45 67``) and negative numbers (``-3620.00``) stay values.
- Dates ISO (``2026-11-30``), times in Europe/Zurich without offset or microseconds
  (``2026-11-30 14:05:09``), people by full name (partnerhub/formatting.py), None as "".
"""

import csv
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Generic, TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.http import StreamingHttpResponse

from . import formatting

T = TypeVar("T")

BOM = "\ufeff"
_ALWAYS_FORMULA = ("=", "@", "\t", "\r")
# After a leading + or -: a number, a phone number or a range of them is a value, not a formula.
_SIGNED_VALUE = re.compile(r"[+-][\d\s.,'()/+-]*\d[\d\s.,'()/+-]*")


class _Echo:
    def write(self, value: str) -> str:
        return value


def is_formula(text: str) -> bool:
    if text.startswith(_ALWAYS_FORMULA):
        return True
    return text.startswith(("+", "-")) and len(text) > 1 and not _SIGNED_VALUE.fullmatch(text)


def cell(value: object) -> str:
    """One value as its CSV text (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return formatting.csv_datetime(value)
    if isinstance(value, date):
        return formatting.csv_date(value)
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, AbstractBaseUser):
        return formatting.person(value)
    text = str(value)
    return "'" + text if is_formula(text) else text


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)

    def lines():
        yield BOM + writer.writerow(header)
        for row in rows:
            yield writer.writerow([cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@dataclass(frozen=True)
class Column(Generic[T]):
    """One CSV column: its header and how to read its value from a row's object."""

    header: str
    value: Callable[[T], object]


class CsvColumns(Generic[T]):
    """A list's CSV columns, declared once next to the list's selector (``<app>/exports.py``).

    ``columns.response(filename, objects)`` is the one way a view answers ``?format=csv``.
    """

    def __init__(self, *columns: Column[T]) -> None:
        self.columns = columns

    @property
    def header(self) -> list[str]:
        return [column.header for column in self.columns]

    def row(self, obj: T) -> list[object]:
        return [column.value(obj) for column in self.columns]

    def response(self, filename: str, objects: Iterable[T]) -> StreamingHttpResponse:
        return csv_response(filename, self.header, (self.row(obj) for obj in objects))


def yes_no(flag: object) -> str:
    return "yes" if flag else "no"

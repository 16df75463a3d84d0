"""Input the database cannot take, or that makes no sense (issue 14, items 2 and 3), refused in one place.

- Dates: every date a person enters lies between MIN_DATE and MAX_DATE. Form fields refuse others
  with DATE_RANGE_MESSAGE (`install_form_validators()` gives every form's DateField, DateTimeField
  and split date the validator: app forms, filter forms of the lists, the admin); models add
  `date_range_constraint(field)` so the database keeps it true and `full_clean()` says the same.
  Date arithmetic on stored dates stays within the calendar (`add_days`, `clamp`).
- Control characters: NUL and the other C0 control characters except tab, line feed and carriage
  return are refused in every form field (`validate_no_control_characters`, installed on every
  CharField-like form field), in URLs and query strings (`partnerhub.input_middleware`) and in
  uploaded text files (`validate_text_upload`). PostgreSQL refuses NUL in text (a 500 before),
  SQLite stores it; both now refuse it the same way.
- Text lengths: free-text model fields take at most TEXT_MAX_LENGTH characters (LONG_TEXT_MAX_LENGTH
  for a partner's long descriptions); TextField's max_length is enforced by its form field (app and admin).
"""

import re
from datetime import date, datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.deconstruct import deconstructible

MIN_DATE = date(1990, 1, 1)
MAX_DATE = date(2100, 12, 31)
DATE_RANGE_MESSAGE = f"Enter a date between {MIN_DATE.day} {MIN_DATE:%b %Y} and {MAX_DATE.day} {MAX_DATE:%b %Y}."

TEXT_MAX_LENGTH = 20_000  # notes, descriptions, reasons
LONG_TEXT_MAX_LENGTH = 20_000  # a partner's strategy and the like

# C0 controls but tab (\x09), line feed (\x0a) and carriage return (\x0d); DEL.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _day(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def date_in_range(value) -> bool:
    day = _day(value)
    return day is None or MIN_DATE <= day <= MAX_DATE


@deconstructible
class SensibleDateValidator:
    message = DATE_RANGE_MESSAGE
    code = "date_out_of_range"

    def __call__(self, value) -> None:
        if not date_in_range(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, SensibleDateValidator)


validate_sensible_date = SensibleDateValidator()


def date_range_constraint(field: str) -> models.CheckConstraint:
    """The database's part of the date bounds: a row cannot hold a date outside them."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": MIN_DATE, f"{field}__lte": MAX_DATE}),
        name=f"%(app_label)s_%(class)s_{field}_range",
        violation_error_message=f"{field.replace('_', ' ').capitalize()}: {DATE_RANGE_MESSAGE}",
    )


def clamp(day: date) -> date:
    return min(max(day, MIN_DATE), MAX_DATE)


def add_days(day: date, days: int) -> date:
    """`day + days` that never overflows: beyond the calendar's end (or start) is its last (or first) day."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def parse_month(value: str | None) -> date | None:
    """ "2026-04" -> 1 Apr 2026; None for anything else, including months outside the date bounds."""
    if not value:
        return None
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", str(value))
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        return None
    first = date(year, month, 1)
    return first if MIN_DATE <= first <= MAX_DATE else None


# --- control characters -----------------------------------------------------------------------------


def find_control_character(text: str) -> str | None:
    match = CONTROL_CHARACTERS.search(text)
    return match.group(0) if match else None


def describe_character(char: str) -> str:
    return "NUL" if char == "\x00" else f"U+{ord(char):04X}"


@deconstructible
class NoControlCharactersValidator:
    code = "control_character"

    def __call__(self, value) -> None:
        if not isinstance(value, str):
            return
        char = find_control_character(value)
        if char is not None:
            raise ValidationError(
                "Remove the invisible control character (%(char)s) from this text.",
                code=self.code,
                params={"char": describe_character(char)},
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, NoControlCharactersValidator)


validate_no_control_characters = NoControlCharactersValidator()


def validate_text_upload(upload, *, encoding: str = "utf-8-sig") -> str:
    """The text of an uploaded text file (e.g. a CSV), refused when it is not text: not in the
    encoding, or with a control character (named with its line)."""
    upload.seek(0)
    try:
        text = upload.read().decode(encoding)
    except UnicodeDecodeError:
        raise ValidationError(
            "The file is not UTF-8 text. Save it as CSV (UTF-8) and upload it again.", code="encoding"
        ) from None
    for number, line in enumerate(text.splitlines(), start=1):
        char = find_control_character(line)
        if char is not None:
            raise ValidationError(
                "Line %(line)s of the file contains an invisible control character (%(char)s); remove it and upload again.",
                code="control_character",
                params={"line": number, "char": describe_character(char)},
            )
    return text


# --- the form fields of every form --------------------------------------------------------------------

TEXT_FORM_FIELDS = (forms.CharField, forms.EmailField, forms.URLField, forms.SlugField)
DATE_FORM_FIELDS = (forms.DateField, forms.DateTimeField)


def install_form_validators() -> None:
    """Give every form field of the project (app forms, list filters, the admin) the checks above.

    Django builds each form field's validators from its class's `default_validators`, so adding ours
    there covers every form, including the ones Django and django-filter build from models. Field
    classes that define their own list (EmailField, URLField, SlugField) are listed explicitly; the
    others (RegexField, UUIDField, ...) inherit CharField's. Idempotent."""
    for field_class in TEXT_FORM_FIELDS:
        if validate_no_control_characters not in field_class.__dict__.get("default_validators", []):
            field_class.default_validators = [*field_class.default_validators, validate_no_control_characters]
    for date_field_class in DATE_FORM_FIELDS:
        if validate_sensible_date not in date_field_class.__dict__.get("default_validators", []):
            date_field_class.default_validators = [*date_field_class.default_validators, validate_sensible_date]

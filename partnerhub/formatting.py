"""Swiss formats, defined once: every template (filters in `templatetags/swiss.py`, installed as
builtins), chart, CSV export, email and message formats money, dates, times and people here.

- money: currency code first, apostrophe grouping, always two decimals: ``CHF 480'000.00``
- dates: ``30.11.2026``; months: ``November 2026``
- date and time: Europe/Zurich (settings.TIME_ZONE), minutes, no seconds: ``30.11.2026 14:05``
- people: the full name, the username only where no name exists
"""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone

EMPTY = "—"
GROUP_SEPARATOR = "'"


def amount(value: object, decimals: int = 2) -> str:
    """``480'000.00``; ``-3'620.00``; "" for None."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    quantum = Decimal(1).scaleb(-decimals)
    number = number.quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    whole, _, fraction = f"{abs(number):f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = sign + GROUP_SEPARATOR.join(groups)
    return f"{text}.{fraction}" if decimals > 0 else text


def money(value: object, currency: str | None = "CHF") -> str:
    """``CHF 480'000.00``; "—" for None."""
    if value is None or value == "":
        return EMPTY
    return f"{currency} {amount(value)}" if currency else amount(value)


def signed_money(value: object, currency: str | None = None) -> str:
    """A change: ``+CHF 1'200.00`` / ``-CHF 300.00`` (the sign first, so it reads as a change)."""
    if value is None or value == "":
        return EMPTY
    number = Decimal(str(value))
    sign = "+" if number > 0 else "-" if number < 0 else ""
    return sign + money(abs(number), currency)


def to_local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def day(value: date | datetime | None) -> str:
    """``30.11.2026`` (a datetime is shown on its Zurich day)."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


def moment(value: datetime | None) -> str:
    """``30.11.2026 14:05`` in Europe/Zurich, without seconds."""
    if value is None or value == "":
        return ""
    if not isinstance(value, datetime):
        return day(value)
    local = to_local(value)
    return f"{day(local)} {local:%H:%M}"


def month(value: date | None) -> str:
    """``November 2026``."""
    return "" if value is None else f"{value:%B %Y}"


def short_month(value: date | None) -> str:
    """``11.2026`` (chart axes)."""
    return "" if value is None else f"{value.month:02d}.{value.year:04d}"


def person(user) -> str:
    """Full name, or the username where the account has no name; "" for nobody."""
    if user is None:
        return ""
    full = f"{getattr(user, 'first_name', '') or ''} {getattr(user, 'last_name', '') or ''}".strip()
    return full or user.get_username()


# --- CSV cells: machine-readable but local ----------------------------------------------------------


def csv_datetime(value: datetime | None) -> str:
    """``2026-11-30 14:05:09``: Europe/Zurich, no offset, no microseconds (spreadsheets read it as a time)."""
    if value is None:
        return ""
    return f"{to_local(value).replace(microsecond=0, tzinfo=None):%Y-%m-%d %H:%M:%S}"


def csv_date(value: date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return csv_datetime(value)
    return value.isoformat()


def install_person_names() -> None:
    """A user prints as their full name (lists, form pickers, filters, history, emails), so no page
    shows "manager" where another shows "Maria Muster". Idempotent."""
    from django.contrib.auth.models import User

    setattr(User, "__str__", person)  # noqa: B010 - patched on purpose; mypy refuses assigning to a method


# People pickers list people as they are shown: by name (then username for those without one).
PERSON_ORDER = ("first_name", "last_name", "username")
PERSON_FIELDS = ("pk", "username", "first_name", "last_name")

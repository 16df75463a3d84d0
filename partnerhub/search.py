"""Accent- and case-insensitive search, the same on SQLite and PostgreSQL.

"Leman" finds "Léman Cloud Partners SA", "zurcher" finds "Zürcher". The database compares
``UPPER(ph_unaccent(column))`` with the search term unaccented and upper-cased in Python:
- PostgreSQL: ``ph_unaccent`` is an IMMUTABLE SQL wrapper around the ``unaccent`` extension
  (migration partnerhub 0007), so trigram GIN indexes on the same expression answer it;
- SQLite: the same function registered on every connection (``register_sqlite_function``).

Filters use ``matches(value, "name", "partner__name")`` → a Q over the `ph_search` transform.
"""

import unicodedata
from typing import TYPE_CHECKING, Any

from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.models import Q, Transform
from django.db.models.sql.compiler import SQLCompiler

if TYPE_CHECKING:
    from django.db.models.sql.compiler import _AsSqlType  # the stubs' (sql, params) pair

# Letters NFKD does not split into base + accent.
_EXTRA = str.maketrans(
    {"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D"}
)
MAX_TERM = 100


def unaccent(text: str | None) -> str | None:
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", str(text).translate(_EXTRA))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def normalize(term: str) -> str:
    """The search term as the database side compares it."""
    return (unaccent(term.strip()[:MAX_TERM]) or "").upper()


class AccentInsensitive(Transform):
    """``field__ph_search__contains=normalize(term)``."""

    lookup_name = "ph_search"
    function = "ph_unaccent"
    output_field = models.TextField()

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> "_AsSqlType":
        sql, params = compiler.compile(self.lhs)
        return f"UPPER(ph_unaccent({sql}))", params


models.CharField.register_lookup(AccentInsensitive)
models.TextField.register_lookup(AccentInsensitive)


def matches(term: str, *fields: str) -> Q:
    """Rows where any of `fields` contains `term`, ignoring accents and case. Empty term: no condition."""
    value = normalize(term)
    condition = Q()
    if not value:
        return condition
    for field in fields:
        condition |= Q(**{f"{field}__ph_search__contains": value})
    return condition


def _sqlite_unaccent(text):
    return unaccent(text)


def register_sqlite_function(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("ph_unaccent", 1, _sqlite_unaccent, deterministic=True)


connection_created.connect(register_sqlite_function, dispatch_uid="partnerhub.search.ph_unaccent")
# Connections opened before this module was imported (it is imported with the filters that use it).
for _connection in connections.all(initialized_only=True):
    if _connection.connection is not None:
        register_sqlite_function(None, _connection)

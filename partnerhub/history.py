"""Audit history for pages: who changed what, when, old and new values (django-simple-history).

`history_entries([(label, historical_queryset), ...])` loads a bounded window of history rows per
queryset (one query each, users joined) and diffs consecutive versions of the same object in
memory, so a History section costs a fixed number of queries however long the history is.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from django.db.models import Model, QuerySet

from .registry import Registry

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass(frozen=True)
class Change:
    field: str
    old: object
    new: object


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: str
    action: str
    label: str
    changes: list[Change]


def _verbose(model, field_name: str) -> str:
    try:
        return str(model._meta.get_field(field_name).verbose_name)
    except Exception:
        return field_name


def history_entries(sources: Iterable[tuple[Callable[[object], str], QuerySet]], limit: int = 30) -> list[HistoryEntry]:
    entries: list[HistoryEntry] = []
    for label_of, queryset in sources:
        # One extra row per window so the oldest shown change can still be diffed against its predecessor.
        rows = list(queryset.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
        by_object = defaultdict(list)
        for row in reversed(rows):
            by_object[row.id].append(row)
        for versions in by_object.values():
            for index, row in enumerate(versions):
                previous = versions[index - 1] if index else None
                if previous is None and row.history_type == "~" and row is rows[-1]:
                    continue  # the predecessor is outside the window: nothing honest to show
                changes = []
                if previous is not None and row.history_type == "~":
                    delta = row.diff_against(previous)
                    model = row.instance_type
                    changes = [Change(_verbose(model, c.field), c.old, c.new) for c in delta.changes]
                    if not changes:
                        continue
                who = row.history_user.get_username() if row.history_user else "system"
                entries.append(HistoryEntry(row.history_date, who, ACTIONS.get(row.history_type, "?"), label_of(row), changes))
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]


# Models whose pages show a History section (partners show theirs as a partner-page section), each
# registered on its class with `@audited_page(related=...)`: (related model, field pointing back to
# the object) for related histories shown with it, e.g. a claim's invoices.
AUDITED_MODELS: Registry[str, list[tuple[str, str]]] = Registry("audited models")

ModelT = TypeVar("ModelT", bound=type[Model])


def audited_page(*, related: Iterable[tuple[str, str]] = ()) -> Callable[[ModelT], ModelT]:
    """Class decorator for a model with `history = HistoricalRecords()` whose page includes
    `includes/_history_loader.html`: its History section may then be loaded."""

    def register(model: ModelT) -> ModelT:
        AUDITED_MODELS.register(model._meta.label_lower, list(related), origin=f"{model.__module__}.{model.__qualname__}")
        return model

    return register


def object_history(label: str, pk: int, limit: int = 30) -> list[HistoryEntry]:
    from django.apps import apps

    model = apps.get_model(label)
    sources = [(lambda row, name=model._meta.verbose_name: str(name).capitalize(), model.history.filter(id=pk))]
    for related_label, field_name in AUDITED_MODELS[label]:
        related = apps.get_model(related_label)
        sources.append(
            (lambda row, name=related._meta.verbose_name: str(name).capitalize(), related.history.filter(**{field_name: pk}))
        )
    return history_entries(sources, limit=limit)

"""One kind of registry for everything apps declare at import time.

Reminder sweeps, housekeeping sweeps, attention providers, health checks, calendar providers,
partner sections, demo seeders, health facts and audited models are each a `Registry`:

    SECTIONS: Registry[str, PartnerSection] = Registry("partner sections")
    SECTIONS.register("timeline", section)          # or: @REMINDERS.decorator("kind")

A name registered twice from two different places is refused at import time (ImproperlyConfigured),
where it used to overwrite the first silently. Registering the same name again from the same place
(a module imported twice, as `importlib.reload` does) replaces the entry. Item assignment
(`registry[name] = entry`) replaces deliberately without the check: for tests (monkeypatch.setitem).

`python manage.py registry` prints every registry's entries per app (`registered_by_app()`).
"""

from collections.abc import Callable, Hashable, Iterator, MutableMapping
from typing import Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# Every registry by its name, in the order they were created (the `registry` command lists them).
ALL: dict[str, "Registry[Any, Any]"] = {}


def origin_of(entry: object) -> str:
    """Where an entry was defined: "module.qualname" for functions and classes, else the module of
    its type (a dataclass instance names its callable, see `Registry.register(origin=)`)."""
    module = getattr(entry, "__module__", None) or type(entry).__module__
    qualname = getattr(entry, "__qualname__", None)
    return f"{module}.{qualname}" if qualname else module


class Registry(MutableMapping[K, V], Generic[K, V]):
    def __init__(self, name: str, *, describe_key: Callable[[K], str] = str) -> None:
        if name in ALL:
            raise ImproperlyConfigured(f"There is already a registry called {name!r}.")
        self.name = name
        self.describe_key = describe_key
        self._entries: dict[K, V] = {}
        self._origins: dict[K, str] = {}
        ALL[name] = self

    def register(self, key: K, entry: V, *, origin: str | None = None) -> V:
        """Add `entry` under `key`; refuse a key already registered from somewhere else."""
        origin = origin or origin_of(entry)
        known = self._origins.get(key)
        if key in self._entries and known != origin:
            raise ImproperlyConfigured(
                f"{self.name}: {self.describe_key(key)!r} is registered twice, by {known} and by {origin}. "
                "Names must be unique: rename one of them."
            )
        self._entries[key] = entry
        self._origins[key] = origin
        return entry

    def decorator(self, key: K) -> Callable[[V], V]:
        """`@REGISTRY.decorator("name")` registers the decorated function under that name."""

        def register(entry: V) -> V:
            return self.register(key, entry)

        return register

    def origin(self, key: K) -> str:
        return self._origins.get(key) or origin_of(self._entries[key])

    def app_label(self, key: K) -> str:
        """The label of the installed app whose module registered `key` ("-" when none)."""
        from django.apps import apps

        module = self.origin(key)
        config = apps.get_containing_app_config(module)
        return config.label if config is not None else "-"

    def names(self) -> list[str]:
        return sorted(self.describe_key(key) for key in self._entries)

    # Mapping interface: lookups as with the dicts these registries replace.
    def __getitem__(self, key: K) -> V:
        return self._entries[key]

    def __setitem__(self, key: K, entry: V) -> None:
        self._entries[key] = entry
        self._origins.pop(key, None)

    def __delitem__(self, key: K) -> None:
        del self._entries[key]
        self._origins.pop(key, None)

    def __iter__(self) -> Iterator[K]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<Registry {self.name}: {', '.join(self.names())}>"


def discover_all() -> None:
    """Import every app module that registers something (what the app registry and the URL
    configuration import anyway, once the project is running)."""
    from django.utils.module_loading import autodiscover_modules

    from . import navigation

    for module in ("attention", "reminders", "partner_sections", "demo"):
        autodiscover_modules(module)
    navigation.discover()


def registered_by_app() -> dict[str, dict[str, list[str]]]:
    """{app label: {registry name: [entry names]}}, every registry and app sorted by name."""
    discover_all()
    result: dict[str, dict[str, list[str]]] = {}
    for registry in ALL.values():
        for key in registry:
            names = result.setdefault(registry.app_label(key), {}).setdefault(registry.name, [])
            names.append(registry.describe_key(key))
    return {app: {name: sorted(entries) for name, entries in sorted(found.items())} for app, found in sorted(result.items())}

"""Registries the reporting app reads, filled by every app without anyone importing `reporting`.

- Attention items ("what needs me this week"): `@attention_provider` in `<app>/attention.py`,
  a function (user, today) -> list[AttentionItem] with a fixed number of queries.
- Health facts (partner drift): `@health_check` in `<app>/attention.py`, a function
  (partner_ids, today) -> dict[partner_id, list[HealthFinding]] computed in bulk (no query per partner).
- Calendar events (the private ICS feed): `@calendar_provider` in `<app>/attention.py`,
  a function (user, today) -> list[CalendarEvent].
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.utils.module_loading import autodiscover_modules

from .registry import Registry


@dataclass(frozen=True)
class ItemAction:
    """A button on an inbox item: a link (GET) or a one-click POST with hidden fields.
    Providers add an action only where the user's role may take it."""

    label: str
    url: str
    post: bool = False
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AttentionItem:
    category: str  # e.g. "Sync meetings", "Certifications"
    title: str
    due: date | None
    url: str
    overdue: bool = False
    why: str = ""  # why it matters, in words: "Miss it and the contract renews for another term"
    actions: tuple[ItemAction, ...] = ()


@dataclass(frozen=True)
class HealthFinding:
    severity: str  # "watch" or "at_risk"
    reason: str  # in words, shown to people: "Sync meeting overdue by 12 days (monthly cadence)"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable across feed reloads, e.g. "certification-expiry-42@partnerhub"
    title: str
    day: date
    url: str = ""
    description: str = ""


AttentionProvider = Callable[[User, date], list[AttentionItem]]
HealthCheck = Callable[[Sequence[int], date], dict[int, list[HealthFinding]]]
CalendarProvider = Callable[[User, date], list[CalendarEvent]]

# Each a Registry (partnerhub/registry.py): a name registered twice is refused at import time.
ATTENTION_PROVIDERS: Registry[str, AttentionProvider] = Registry("attention providers")
HEALTH_CHECKS: Registry[str, HealthCheck] = Registry("health checks")
CALENDAR_PROVIDERS: Registry[str, CalendarProvider] = Registry("calendar providers")


def attention_provider(name: str) -> Callable[[AttentionProvider], AttentionProvider]:
    return ATTENTION_PROVIDERS.decorator(name)


def health_check(name: str) -> Callable[[HealthCheck], HealthCheck]:
    return HEALTH_CHECKS.decorator(name)


def calendar_provider(name: str) -> Callable[[CalendarProvider], CalendarProvider]:
    return CALENDAR_PROVIDERS.decorator(name)


def discover() -> None:
    autodiscover_modules("attention")

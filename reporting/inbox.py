"""The dashboard's inbox: every provider's items (partnerhub/attention.py) in one list ranked by
urgency — overdue first (oldest first), then due this week, then the next 30 days (folded on the
page). Anything due later stays off the dashboard: it is in the calendar feed and on its own pages.

Items the user snoozed (reporting/models.py:InboxSnooze, keyed by `item_key`) leave the ranked list
until their date and wait in a folded "Snoozed" group; on that date they are back where they rank."""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.core.cache import cache

from partnerhub.attention import ATTENTION_PROVIDERS, AttentionItem

from .models import SNOOZE_KEY_MAX_LENGTH, InboxSnooze

logger = logging.getLogger(__name__)

THIS_WEEK_DAYS = 7  # "this week": due within the next seven days, so Friday still sees next Thursday
LATER_DAYS = 30


@dataclass
class Inbox:
    overdue: list[AttentionItem] = field(default_factory=list)
    this_week: list[AttentionItem] = field(default_factory=list)
    next_30_days: list[AttentionItem] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # providers that raised, by label
    snoozed: list[tuple[AttentionItem, InboxSnooze]] = field(default_factory=list)  # soonest back first
    items: list[AttentionItem] = field(default_factory=list, repr=False)  # every provider's, as given
    snoozes: dict[str, InboxSnooze] = field(default_factory=dict, repr=False)  # the user's, by item key

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.this_week) + len(self.next_30_days)

    @property
    def urgent(self) -> int:
        """What the navigation's badge counts: overdue and due this week, snoozed items not."""
        return len(self.overdue) + len(self.this_week)

    def find(self, key: str) -> AttentionItem | None:
        """One of the user's items (shown, snoozed or due later) by its key."""
        for item in self.items:
            if item_key(item) == key:
                return item
        return None


def item_key(item: AttentionItem) -> str:
    """What names an inbox item across requests: its kind (category) and the object it points at
    (its URL: /funds/invoices/7/, /partners/acme/...). Every provider's items have both, so snoozing
    works for items of apps the reporting app does not know. Very long ones are hashed to fit."""
    key = f"{item.category}|{item.url}"
    if len(key) <= SNOOZE_KEY_MAX_LENGTH:
        return key
    return f"{item.category[:100]}|sha256:{hashlib.sha256(item.url.encode()).hexdigest()}"


def is_overdue(item: AttentionItem, today: date) -> bool:
    return item.overdue or (item.due is not None and item.due < today)


def rank(items: list[AttentionItem], today: date) -> Inbox:
    """Buckets by urgency; inside each, the earliest due date first (the oldest overdue on top).
    An item without a date is due now."""
    inbox = Inbox()
    week_end, later_end = today + timedelta(days=THIS_WEEK_DAYS), today + timedelta(days=LATER_DAYS)
    for item in sorted(items, key=lambda i: (i.due or today, i.category, i.title)):
        if is_overdue(item, today):
            inbox.overdue.append(item)
        elif item.due is None or item.due <= week_end:
            inbox.this_week.append(item)
        elif item.due <= later_end:
            inbox.next_30_days.append(item)
    return inbox


def inbox_for(user: User, today: date) -> Inbox:
    """Every provider once, and the user's snoozes in one query; a provider that fails is named on
    the page, not fatal."""
    items: list[AttentionItem] = []
    failed = []
    for name in sorted(ATTENTION_PROVIDERS):
        try:
            items.extend(ATTENTION_PROVIDERS[name](user, today))
        except Exception:
            logger.exception("Attention provider %s failed", name)
            failed.append(name.replace("_", " "))
    snoozes = {s.item_key: s for s in InboxSnooze.objects.filter(user=user, until__gt=today)}
    return arrange(items, snoozes, today, failed=failed)


def arrange(items: list[AttentionItem], snoozes: dict[str, InboxSnooze], today: date, failed: list[str] | None = None) -> Inbox:
    """The items ranked, except those snoozed past today, which go to the Snoozed group.
    Called again after a snooze or unsnooze with the same items: no provider runs twice."""
    ranked: list[AttentionItem] = []
    snoozed: list[tuple[AttentionItem, InboxSnooze]] = []
    for item in items:
        snooze = snoozes.get(item_key(item))
        if snooze is None or snooze.until <= today:
            ranked.append(item)
        else:
            snoozed.append((item, snooze))
    inbox = rank(ranked, today)
    inbox.failed = list(failed or [])
    inbox.snoozed = sorted(snoozed, key=lambda pair: (pair[1].until, pair[0].title))
    inbox.items, inbox.snoozes = items, snoozes
    return inbox


# --- the navigation's badge ---------------------------------------------------------------------------
# The navigation is cached per role set, so the count comes in its own tiny htmx request
# (reporting:inbox-count). Counting runs every provider; the answer is kept per user for a few
# minutes, refreshed whenever the user's inbox is rendered and after each snooze or unsnooze.

URGENT_CACHE_SECONDS = 300


def _urgent_cache_key(user_id: int) -> str:
    return f"inbox-urgent:{user_id}"


def remember_urgent(user_id: int, inbox: Inbox) -> None:
    cache.set(_urgent_cache_key(user_id), inbox.urgent, URGENT_CACHE_SECONDS)


def urgent_count(user: User, today: date) -> int:
    """Overdue + due this week for the user: from the cache, else counted (and remembered)."""
    count = cache.get(_urgent_cache_key(user.pk))
    if count is None:
        inbox = inbox_for(user, today)
        remember_urgent(user.pk, inbox)
        count = inbox.urgent
    return int(count)

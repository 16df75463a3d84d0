"""The dashboard's inbox: every provider's items (partnerhub/attention.py) in one list ranked by
urgency — overdue first (oldest first), then due this week, then the next 30 days (folded on the
page). Anything due later stays off the dashboard: it is in the calendar feed and on its own pages."""

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.models import User

from partnerhub.attention import ATTENTION_PROVIDERS, AttentionItem

logger = logging.getLogger(__name__)

THIS_WEEK_DAYS = 7  # "this week": due within the next seven days, so Friday still sees next Thursday
LATER_DAYS = 30


@dataclass
class Inbox:
    overdue: list[AttentionItem] = field(default_factory=list)
    this_week: list[AttentionItem] = field(default_factory=list)
    next_30_days: list[AttentionItem] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # providers that raised, by label

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.this_week) + len(self.next_30_days)


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
    """Every provider once; a provider that fails is named on the page, not fatal."""
    items: list[AttentionItem] = []
    failed = []
    for name in sorted(ATTENTION_PROVIDERS):
        try:
            items.extend(ATTENTION_PROVIDERS[name](user, today))
        except Exception:
            logger.exception("Attention provider %s failed", name)
            failed.append(name.replace("_", " "))
    inbox = rank(items, today)
    inbox.failed = failed
    return inbox

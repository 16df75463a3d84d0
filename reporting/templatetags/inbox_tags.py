"""Template filters for the inbox: an item's key (what snoozing names) and a short id for its form."""

import hashlib

from django import template

from partnerhub.attention import AttentionItem
from reporting.inbox import item_key

register = template.Library()


@register.filter
def inbox_key(item: AttentionItem) -> str:
    return item_key(item)


@register.filter
def inbox_id(item: AttentionItem) -> str:
    """Unique per item on the page (element ids for the snooze form's labels)."""
    return hashlib.sha256(item_key(item).encode()).hexdigest()[:10]

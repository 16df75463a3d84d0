"""Whitelisted sorting: user input picks a key from a dict, never reaches order_by raw."""

from django.db.models import QuerySet


def apply_sort(
    queryset: QuerySet, requested: str | None, allowed: dict[str, tuple[str, ...]], default: str
) -> tuple[QuerySet, str]:
    key = requested if requested in allowed else default
    return queryset.order_by(*allowed[key]), key

"""Choice filters that stay light with thousands of rows to choose from.

A plain ModelChoiceFilter renders every row as an <option>: with 10,000 partners that is half a
megabyte of HTML and over a second of template rendering on every list page (issue 8's benchmark);
the fund claim list's allocation filter rendered 9,600 allocations (1 MB, 1.4 s).
`BoundedModelChoiceFilter` still accepts any row of its queryset (links pass `?partner=<id>`), but
when there are more than OPTIONS_LIMIT rows its select lists only the signed-in user's own rows
(when the FilterSet was given `request=`) and the chosen one; the others are reached from their
own pages (e.g. a partner's page links to its filtered lists). It costs one query, as before.
"""

import re
from collections.abc import Callable
from typing import Any

import django_filters
from django import forms
from django.db.models import Case, Q, Value, When

OPTIONS_LIMIT = 300


class _BoundedChoiceIterator(forms.models.ModelChoiceIterator):
    field: "BoundedModelChoiceField"

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.option_objects():
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.option_objects()) + (self.field.empty_label is not None)


class BoundedModelChoiceField(forms.ModelChoiceField):
    iterator = _BoundedChoiceIterator

    def __init__(
        self,
        *args,
        user=None,
        selected=None,
        mine: Callable[[Any], Q] | None = None,
        order_by: tuple[str, ...] = ("name",),
        sort_key: Callable[[Any], Any] | None = None,
        **kwargs,
    ):
        self.user, self.selected, self.mine, self.order_by = user, selected, mine, order_by
        self.sort_key = sort_key or (lambda obj: obj.name.lower())
        self._options: list[Any] | None = None
        super().__init__(*args, **kwargs)

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result._options = None
        return result

    def option_objects(self) -> list:
        """Up to the limit, every row in order; beyond it, the user's own and the chosen one.
        One query: the own/chosen rows sort first, so the first LIMIT + 1 rows hold them all."""
        options = self._options
        if options is None:
            preferred = Q(pk__in=[])
            if self.mine is not None and self.user is not None and self.user.is_authenticated:
                preferred |= self.mine(self.user)
            # Only plain ids that fit a bigint: hostile input ("²", 10**30) must not reach the query.
            if self.selected and re.fullmatch(r"[0-9]{1,18}", str(self.selected)):
                preferred |= Q(pk=int(self.selected))
            queryset = self.queryset
            if queryset is None:
                return []  # no queryset yet: nothing to offer
            rows = list(
                queryset.annotate(_preferred=Case(When(preferred, then=Value(0)), default=Value(1))).order_by(
                    "_preferred", *self.order_by
                )[: OPTIONS_LIMIT + 1]
            )
            if len(rows) > OPTIONS_LIMIT:
                rows = [row for row in rows if row._preferred == 0]
            options = self._options = sorted(rows, key=self.sort_key)
        return options


class BoundedModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A ModelChoiceFilter for large tables. Extra arguments: `mine(user) -> Q` (the user's own
    rows, listed even above the limit), `order_by` and the matching Python `sort_key`."""

    field_class = BoundedModelChoiceField

    @property
    def field(self):
        if not hasattr(self, "_field"):
            parent = getattr(self, "parent", None)
            request = self.get_request()
            name = next((key for key, value in (parent.filters.items() if parent else []) if value is self), None)
            data = parent.data if parent is not None and parent.data is not None else {}
            self.extra["user"] = getattr(request, "user", None)
            self.extra["selected"] = data.get(name) if name else None
        return super().field


def _managed_by(user) -> Q:
    return Q(manager_id=user.pk)


class PartnerChoiceFilter(BoundedModelChoiceFilter):
    """Partners by name; above the limit, the partners the user manages and the chosen one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("mine", _managed_by)
        super().__init__(*args, **kwargs)

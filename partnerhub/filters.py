"""A partner filter that stays light with thousands of partners.

A plain ModelChoiceFilter renders every partner as an <option>: with 10,000 partners that is half a
megabyte of HTML and over a second of template rendering on every list page (issue 8's benchmark).
`PartnerChoiceFilter` still accepts any partner of its queryset (links from a partner page pass
`?partner=<id>`), but when there are more than PARTNER_OPTIONS_LIMIT partners its select lists only
the signed-in user's own partners (when the FilterSet was given `request=`) and the chosen one.
Other partners are reached from their partner page. It costs the same single query as before.
"""

import re

import django_filters
from django import forms
from django.db.models import Case, Q, Value, When

PARTNER_OPTIONS_LIMIT = 300


class _PartnerChoiceIterator(forms.models.ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.option_objects():
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.option_objects()) + (self.field.empty_label is not None)


class PartnerChoiceField(forms.ModelChoiceField):
    iterator = _PartnerChoiceIterator

    def __init__(self, *args, user=None, selected=None, **kwargs):
        self.user, self.selected, self._options = user, selected, None
        super().__init__(*args, **kwargs)

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result._options = None
        return result

    def option_objects(self) -> list:
        """Up to the limit, every partner by name; beyond it, the user's own and the chosen one.
        One query: the own/chosen partners sort first, so the first LIMIT + 1 rows hold them all."""
        if self._options is None:
            mine = Q(pk__in=[])
            if self.user is not None and self.user.is_authenticated:
                mine |= Q(manager_id=self.user.pk)
            # Only plain ids that fit a bigint: hostile input ("²", 10**30) must not reach the query.
            if self.selected and re.fullmatch(r"[0-9]{1,18}", str(self.selected)):
                mine |= Q(pk=int(self.selected))
            rows = list(
                self.queryset.annotate(_mine=Case(When(mine, then=Value(0)), default=Value(1)))
                .order_by("_mine", "name")[: PARTNER_OPTIONS_LIMIT + 1]
            )
            if len(rows) > PARTNER_OPTIONS_LIMIT:
                rows = [row for row in rows if row._mine == 0]
            self._options = sorted(rows, key=lambda partner: partner.name.lower())
        return self._options


class PartnerChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = PartnerChoiceField

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

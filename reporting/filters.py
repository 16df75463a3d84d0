import re
from datetime import date

import django_filters
from django import forms
from django.contrib.auth import get_user_model

from partnerhub.filters import PartnerChoiceFilter
from partnerhub.formatting import PERSON_ORDER
from partnerhub.input_bounds import parse_month as bounded_month
from partners.models import Partner

from .models import LicenseReport

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str) -> date | None:
    """ "2026-03" → 1 March 2026; anything else, and months outside the date bounds (9999-12), → None."""
    return bounded_month(value)


def _managers(request=None):
    return get_user_model().objects.filter(managed_partners__isnull=False).distinct().order_by(*PERSON_ORDER)


class LicenseReportFilter(django_filters.FilterSet):
    partner = PartnerChoiceFilter(queryset=Partner.objects.filter(archived=False))
    month = django_filters.CharFilter(
        method="filter_month", label="Month", widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})
    )
    status = django_filters.ChoiceFilter(choices=LicenseReport.Status.choices)

    class Meta:
        model = LicenseReport
        fields = ["partner", "month", "status"]

    def filter_month(self, queryset, name, value):
        month = parse_month(value)
        # An unparsable month matches nothing rather than everything: the user asked for a month.
        return queryset.filter(month=month) if month else queryset.none()


class AtRiskFilter(django_filters.FilterSet):
    health = django_filters.MultipleChoiceFilter(
        choices=[
            (Partner.Health.AT_RISK, "At risk"),
            (Partner.Health.WATCH, "Watch"),
            (Partner.Health.GOOD, "Good"),
            (Partner.Health.UNKNOWN, "Not checked yet"),
        ],
        widget=forms.CheckboxSelectMultiple,
        distinct=False,  # a plain column: no duplicate rows, and DISTINCT would refuse the worst-first order
    )
    manager = django_filters.ModelChoiceFilter(queryset=_managers, label="Partner manager")

    class Meta:
        model = Partner
        fields = ["health", "manager"]

    @property
    def qs(self):
        queryset = super().qs
        # Without a choice the page answers its question: which partners need a look (at risk or watch).
        if not self.form.is_bound or not self.form.cleaned_data.get("health"):
            queryset = queryset.filter(health__in=[Partner.Health.AT_RISK, Partner.Health.WATCH])
        return queryset

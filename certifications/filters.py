import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from partnerhub.formatting import PERSON_ORDER
from partnerhub.search import matches
from partners.models import Partner

from .compliance import STATUS_LABELS
from .models import Certification, Holding

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _issuing_partners(request=None):
    return Partner.objects.filter(certifications__isnull=False).distinct().order_by("name")


class CertificationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    partner = django_filters.ModelChoiceFilter(queryset=_issuing_partners, label="Issuing partner")
    expires = django_filters.BooleanFilter(
        method="filter_expires", label="Expires", widget=django_filters.widgets.BooleanWidget()
    )

    class Meta:
        model = Certification
        fields = ["q", "partner", "expires"]

    def search(self, queryset, name, value):
        return queryset.filter(matches(value, "name", "code"))

    def filter_expires(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(validity_months__isnull=not value)


class HoldingFilter(django_filters.FilterSet):
    STATE_CHOICES = [("valid", "Valid today"), ("expired", "Expired")]

    holder = django_filters.ModelChoiceFilter(
        queryset=lambda request: (
            get_user_model().objects.filter(certification_holdings__isnull=False).distinct().order_by(*PERSON_ORDER)
        ),
        label="Person",
    )
    certification = django_filters.ModelChoiceFilter(queryset=Certification.objects.order_by("name"))
    partner = django_filters.ModelChoiceFilter(
        field_name="certification__partner", queryset=_issuing_partners, label="Issuing partner"
    )
    expires_before = django_filters.DateFilter(
        field_name="expires_on", lookup_expr="lte", label="Expiring on or before", widget=DATE_WIDGET
    )
    state = django_filters.ChoiceFilter(choices=STATE_CHOICES, method="filter_state", label="State")

    class Meta:
        model = Holding
        fields = ["holder", "certification", "partner", "expires_before", "state"]

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def filter_state(self, queryset, name, value):
        valid = Q(obtained_on__lte=self.today) & (Q(expires_on__isnull=True) | Q(expires_on__gte=self.today))
        if value == "valid":
            return queryset.filter(valid)
        if value == "expired":
            return queryset.filter(expires_on__lt=self.today)
        return queryset


class ComplianceOverviewFilter(django_filters.FilterSet):
    """Filters the partner rows of the overview; `status` and `on` are applied to the computed compliance."""

    q = django_filters.CharFilter(method="search", label="Partner")
    mine = django_filters.BooleanFilter(method="filter_mine", label="Only partners I manage", widget=forms.CheckboxInput)
    status = django_filters.ChoiceFilter(choices=list(STATUS_LABELS.items()), method="keep", label="Held level status")
    on = django_filters.DateFilter(method="keep", label="Compliant through", widget=DATE_WIDGET)

    class Meta:
        model = Partner
        fields = ["q", "mine", "status", "on"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def search(self, queryset, name, value):
        return queryset.filter(matches(value, "name"))

    def filter_mine(self, queryset, name, value):
        return queryset.filter(manager=self.user) if value else queryset

    def keep(self, queryset, name, value):
        return queryset

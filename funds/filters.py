import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from activities.models import Campaign
from partnerhub.filters import BoundedModelChoiceFilter, PartnerChoiceFilter
from partnerhub.money import Currency
from partnerhub.search import matches
from partners.models import Partner

from .models import Commission, FundAllocation, FundClaim, Invoice


def _partners(request=None):
    return Partner.objects.filter(archived=False).only("pk", "name").order_by("name")


def _allocations(request=None):
    return (
        FundAllocation.objects.select_related("partner")
        .only("pk", "kind", "period_label", "period_start", "partner__name")
        .order_by("partner__name", "-period_start")
    )


def _campaigns(request=None):
    return Campaign.objects.only("pk", "title", "starts_on").order_by("-starts_on", "title")


DATE_WIDGET = django_filters.widgets.DateRangeWidget(attrs={"type": "date"})


class FundAllocationFilter(django_filters.FilterSet):
    partner = PartnerChoiceFilter(queryset=_partners)
    kind = django_filters.ChoiceFilter(choices=FundAllocation.Kind.choices)
    currency = django_filters.ChoiceFilter(choices=Currency.choices)
    period = django_filters.DateFilter(
        method="filter_period", label="Period includes", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = FundAllocation
        fields = ["partner", "kind", "currency", "period"]

    def filter_period(self, queryset, name, value):
        return queryset.filter(period_start__lte=value, period_end__gte=value)


class FundClaimFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    partner = PartnerChoiceFilter(field_name="allocation__partner", queryset=_partners, label="Partner")
    status = django_filters.ChoiceFilter(choices=FundClaim.Status.choices)
    # Thousands of allocations and campaigns: list the user's own (and the chosen one) above the limit.
    allocation = BoundedModelChoiceFilter(
        queryset=_allocations,
        mine=lambda user: Q(partner__manager_id=user.pk),
        order_by=("partner__name", "-period_start"),
        sort_key=lambda allocation: (allocation.partner.name.lower(), -allocation.period_start.toordinal()),
    )
    campaign = BoundedModelChoiceFilter(
        queryset=_campaigns,
        mine=lambda user: Q(owner_id=user.pk),
        order_by=("-starts_on", "title"),
        sort_key=lambda campaign: (-campaign.starts_on.toordinal(), campaign.title),
    )
    activity = django_filters.DateFromToRangeFilter(field_name="activity_start", label="Activity date", widget=DATE_WIDGET)

    class Meta:
        model = FundClaim
        fields = ["q", "partner", "status", "allocation", "campaign", "activity"]

    def search(self, queryset, name, value):
        return queryset.filter(matches(value, "title", "tool_reference"))


class InvoiceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="number", lookup_expr="icontains", label="Invoice number")
    partner = PartnerChoiceFilter(field_name="claim__allocation__partner", queryset=_partners, label="Partner")
    state = django_filters.ChoiceFilter(
        choices=[("open", "Open"), ("overdue", "Overdue"), ("paid", "Paid")], method="filter_state", label="State"
    )
    currency = django_filters.ChoiceFilter(choices=Currency.choices)
    issued = django_filters.DateFromToRangeFilter(field_name="issued_on", label="Issued", widget=DATE_WIDGET)

    class Meta:
        model = Invoice
        fields = ["q", "partner", "state", "currency", "issued"]

    def filter_state(self, queryset, name, value):
        today = timezone.localdate()
        if value == "open":
            return queryset.filter(paid_on__isnull=True, due_on__gte=today)
        if value == "overdue":
            return queryset.filter(paid_on__isnull=True, due_on__lt=today)
        if value == "paid":
            return queryset.filter(paid_on__isnull=False)
        return queryset


class CommissionHistoryFilter(django_filters.FilterSet):
    """The commissions' history page (funds.commission_views.commission_history)."""

    partner = PartnerChoiceFilter(queryset=_partners)
    status = django_filters.ChoiceFilter(choices=Commission.Status.choices, label="Status after the change")
    changed = django_filters.DateFromToRangeFilter(
        field_name="history_date", method="filter_changed", label="Changed (from – to)", widget=DATE_WIDGET
    )

    class Meta:
        model = Commission.history.model
        fields = ["partner", "status", "changed"]

    def filter_changed(self, queryset, name, value):
        # Days in Europe/Zurich (the current time zone): __date converts before comparing.
        if value.start:
            queryset = queryset.filter(history_date__date__gte=value.start)
        if value.stop:
            queryset = queryset.filter(history_date__date__lte=value.stop)
        return queryset

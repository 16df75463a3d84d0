import django_filters
from django.contrib.auth import get_user_model
from django.utils import timezone

from partnerhub.filters import PartnerChoiceFilter
from partnerhub.formatting import PERSON_FIELDS, PERSON_ORDER
from partnerhub.money import Currency
from partnerhub.search import matches
from partners.models import Partner

from .models import Activity, Campaign, DealRegistration, Opportunity, Task

DATE_WIDGET = django_filters.widgets.DateRangeWidget(attrs={"type": "date"})


def _active_partners(request=None):
    return Partner.objects.filter(archived=False).only("pk", "name").order_by("name")


def _users(request=None):
    return get_user_model().objects.filter(is_active=True).only(*PERSON_FIELDS).order_by(*PERSON_ORDER)


class _Search:
    search_fields: tuple[str, ...] = ()

    def search(self, queryset, name, value):
        return queryset.filter(matches(value, *self.search_fields))  # accents and case ignored


class ActivityFilter(_Search, django_filters.FilterSet):
    search_fields = ("subject", "notes")
    q = django_filters.CharFilter(method="search", label="Search")
    partner = PartnerChoiceFilter(queryset=_active_partners)
    kind = django_filters.ChoiceFilter(choices=Activity.Kind.choices)
    author = django_filters.ModelChoiceFilter(queryset=_users)
    occurred_on = django_filters.DateFromToRangeFilter(label="Date (from – to)", widget=DATE_WIDGET)

    class Meta:
        model = Activity
        fields = ["q", "partner", "kind", "author", "occurred_on"]


class SyncMeetingFilter(django_filters.FilterSet):
    manager = django_filters.ModelChoiceFilter(
        queryset=lambda request: (
            get_user_model().objects.filter(managed_partners__isnull=False).distinct().order_by(*PERSON_ORDER)
        ),
        label="Partner manager",
    )
    sync_cadence = django_filters.ChoiceFilter(
        choices=[c for c in Partner.SyncCadence.choices if c[0] != Partner.SyncCadence.NONE], label="Cadence"
    )

    class Meta:
        model = Partner
        fields = ["manager", "sync_cadence"]


class OpportunityFilter(_Search, django_filters.FilterSet):
    search_fields = ("title", "end_customer")
    q = django_filters.CharFilter(method="search", label="Search")
    partner = PartnerChoiceFilter(queryset=_active_partners)
    stage = django_filters.MultipleChoiceFilter(choices=Opportunity.Stage.choices)
    owner = django_filters.ModelChoiceFilter(queryset=_users)
    currency = django_filters.ChoiceFilter(choices=Currency.choices)
    expected_close = django_filters.DateFromToRangeFilter(label="Expected close (from – to)", widget=DATE_WIDGET)

    class Meta:
        model = Opportunity
        fields = ["q", "partner", "stage", "owner", "currency", "expected_close"]


class DealRegistrationFilter(_Search, django_filters.FilterSet):
    search_fields = ("customer", "registration_id", "products")
    q = django_filters.CharFilter(method="search", label="Search")
    partner = PartnerChoiceFilter(queryset=_active_partners)
    status = django_filters.ChoiceFilter(choices=DealRegistration.Status.choices)
    owner = django_filters.ModelChoiceFilter(queryset=_users)
    expires_on = django_filters.DateFromToRangeFilter(label="Expires (from – to)", widget=DATE_WIDGET)

    class Meta:
        model = DealRegistration
        fields = ["q", "partner", "status", "owner", "expires_on"]


class CampaignFilter(_Search, django_filters.FilterSet):
    search_fields = ("title", "description")
    q = django_filters.CharFilter(method="search", label="Search")
    partner = PartnerChoiceFilter(field_name="partners", queryset=_active_partners)
    kind = django_filters.ChoiceFilter(choices=Campaign.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Campaign.Status.choices)
    quarter = django_filters.CharFilter(label="Quarter", help_text='e.g. "2026-Q4"')

    class Meta:
        model = Campaign
        fields = ["q", "partner", "kind", "status", "quarter"]


class TaskFilter(_Search, django_filters.FilterSet):
    """Team tasks and My tasks. Status: open (the default of both lists), done, overdue, or any."""

    STATUS_CHOICES = (("open", "Open"), ("overdue", "Overdue"), ("done", "Done"), ("any", "Any status"))

    search_fields = ("title", "notes")
    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method="by_status", empty_label=None)
    assignee = django_filters.ModelChoiceFilter(queryset=_users, label="Assigned to")
    partner = PartnerChoiceFilter(queryset=_active_partners)
    due_on = django_filters.DateFromToRangeFilter(label="Due (from – to)", widget=DATE_WIDGET)

    class Meta:
        model = Task
        fields = ["q", "status", "assignee", "partner", "due_on"]

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and "status" not in data:
            data = data.copy()
            data["status"] = "open"
        super().__init__(data, *args, **kwargs)

    def by_status(self, queryset, name, value):
        if value == "open":
            return queryset.filter(done_at__isnull=True)
        if value == "done":
            return queryset.filter(done_at__isnull=False)
        if value == "overdue":
            return queryset.filter(done_at__isnull=True, due_on__lt=timezone.localdate())
        return queryset

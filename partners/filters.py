import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from partnerhub.filters import BoundedModelChoiceFilter, PartnerChoiceFilter
from partnerhub.formatting import PERSON_ORDER
from partnerhub.search import matches

from .models import Collateral, Contact, OnboardingStep, Partner, PartnerTeamMember, PartnerType, collateral_campaigns


def _managers(request=None):
    # EXISTS on the partner.manager index, not a DISTINCT over a join with every partner.
    user_model = get_user_model()
    return user_model.objects.filter(Exists(Partner.objects.filter(manager=OuterRef("pk")))).order_by(*PERSON_ORDER)


class PartnerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    type = django_filters.ModelChoiceFilter(field_name="types", queryset=PartnerType.objects.all(), label="Type")
    stage = django_filters.ChoiceFilter(choices=Partner.Stage.choices)
    manager = django_filters.ModelChoiceFilter(queryset=_managers, label="Partner manager")
    program_level = django_filters.CharFilter(lookup_expr="icontains", label="Program level")
    health = django_filters.ChoiceFilter(choices=Partner.Health.choices)
    mine = django_filters.ChoiceFilter(
        choices=[("1", "My partners (manager or team)")], method="filter_mine", label="Mine", empty_label="All partners"
    )
    onboarding = django_filters.ChoiceFilter(
        choices=[("running", "Being onboarded"), ("overdue", "Onboarding overdue")],
        method="filter_onboarding",
        label="Onboarding",
    )
    archived = django_filters.BooleanFilter(
        widget=django_filters.widgets.BooleanWidget(), label="Archived", method="filter_archived"
    )

    class Meta:
        model = Partner
        fields = ["q", "type", "stage", "manager", "program_level", "health", "mine", "onboarding", "archived"]

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if value != "1" or user is None or not user.is_authenticated:
            return queryset
        return queryset.filter(Q(manager=user) | Exists(PartnerTeamMember.objects.filter(partner=OuterRef("pk"), user=user)))

    def filter_onboarding(self, queryset, name, value):
        steps = OnboardingStep.objects.filter(onboarding__partner=OuterRef("pk"), onboarding__ended_on__isnull=True)
        if value == "overdue":
            steps = steps.filter(done_at__isnull=True, due_on__lt=timezone.localdate())
        return queryset.filter(Exists(steps)) if value in ("running", "overdue") else queryset

    def search(self, queryset, name, value):
        # Accents and case ignored: "Leman" finds "Léman Cloud Partners SA" (partnerhub/search.py).
        return queryset.filter(matches(value, "name", "markets", "program_level", "vshn_products"))

    def filter_archived(self, queryset, name, value):
        return queryset if value is None else queryset.filter(archived=value)

    @property
    def qs(self):
        queryset = super().qs
        # Archived partners are hidden unless the user asks for them.
        if not self.form.is_bound or self.form.cleaned_data.get("archived") is None:
            queryset = queryset.filter(archived=False)
        return queryset


class ContactFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    partner = PartnerChoiceFilter(queryset=Partner.objects.filter(archived=False))
    stakeholder_role = django_filters.ChoiceFilter(choices=Contact.StakeholderRole.choices)
    is_active = django_filters.BooleanFilter(widget=django_filters.widgets.BooleanWidget(), label="Active")

    class Meta:
        model = Contact
        fields = ["q", "partner", "stakeholder_role", "is_active"]

    def search(self, queryset, name, value):
        # Also by the partner's name: "Léman" lists everyone at Léman Cloud Partners SA.
        return queryset.filter(matches(value, "first_name", "last_name", "email", "job_title", "partner__name"))


def _campaigns_with_collateral(request=None):
    return collateral_campaigns().filter(Exists(Collateral.objects.filter(campaign=OuterRef("pk"))))


class CollateralFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    partner = PartnerChoiceFilter(queryset=Partner.objects.filter(archived=False))
    # Campaigns with collateral; above the limit, the user's own and the chosen one (a campaign page links here).
    campaign = BoundedModelChoiceFilter(
        queryset=_campaigns_with_collateral,
        mine=lambda user: Q(owner_id=user.pk),
        order_by=("-starts_on", "title"),
        sort_key=lambda campaign: (-campaign.starts_on.toordinal(), campaign.title),
    )
    kind = django_filters.ChoiceFilter(choices=Collateral.Kind.choices)
    language = django_filters.ChoiceFilter(choices=Collateral.Language.choices)
    expired = django_filters.BooleanFilter(method="filter_expired", label="Expired")

    class Meta:
        model = Collateral
        fields = ["q", "partner", "campaign", "kind", "language", "expired"]

    def filter_expired(self, queryset, name, value):
        today = timezone.localdate()
        if value:
            return queryset.filter(valid_until__lt=today)
        return queryset.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))

    def search(self, queryset, name, value):
        return queryset.filter(matches(value, "title", "notes", "partner__name"))

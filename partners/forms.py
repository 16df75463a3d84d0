from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from partnerhub import formatting
from partnerhub.form_fields import ModelMultipleChoiceField
from partnerhub.formatting import PERSON_ORDER
from partnerhub.roles import Role

from .models import (
    Collateral,
    Contact,
    Contract,
    OnboardingStep,
    OnboardingStepTemplate,
    OnboardingTrack,
    Partner,
    PartnerTeamMember,
    PartnerType,
    SupplierRiskAssessment,
    partner_campaigns,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PartnerForm(forms.ModelForm):
    types = ModelMultipleChoiceField(
        queryset=PartnerType.objects.all(), widget=forms.CheckboxSelectMultiple, label="Partner types"
    )

    class Meta:
        model = Partner
        fields = [
            "name",
            "types",
            "stage",
            "manager",
            "program_level",
            "website",
            "sync_cadence",
            "markets",
            "strategy",
            "why_together",
            "vshn_products",
            "pricing_details",
            "reporting_details",
        ]
        widgets = {
            field: forms.Textarea(attrs={"rows": 3})
            for field in ["strategy", "why_together", "vshn_products", "pricing_details", "reporting_details"]
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only people who can hold the role: partner managers and admins (and whoever holds it now).
        holds_role = Q(groups__name=Role.PARTNER_MANAGER.value) | Q(is_superuser=True)
        if self.instance.manager_id:
            holds_role |= Q(pk=self.instance.manager_id)
        self.fields["manager"].queryset = (
            get_user_model().objects.filter(holds_role, is_active=True).distinct().order_by(*PERSON_ORDER)
        )
        self.fields["name"].strip = True

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = [
            "first_name",
            "last_name",
            "job_title",
            "stakeholder_role",
            "email",
            "phone",
            "is_primary",
            "is_active",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class ContractForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = ["kind", "title", "start_date", "end_date", "auto_renew", "notice_period_days", "document", "notes"]
        widgets = {"start_date": DATE_INPUT, "end_date": DATE_INPUT, "notes": forms.Textarea(attrs={"rows": 3})}


class RiskAssessmentForm(forms.ModelForm):
    class Meta:
        model = SupplierRiskAssessment
        fields = ["risk_level", "criticality", "data_touched", "systems_touched", "assessed_on", "next_review_due", "mitigations"]
        widgets = {
            "assessed_on": DATE_INPUT,
            "next_review_due": DATE_INPUT,
            "data_touched": forms.Textarea(attrs={"rows": 2}),
            "systems_touched": forms.Textarea(attrs={"rows": 2}),
            "mitigations": forms.Textarea(attrs={"rows": 3}),
        }


def active_people():
    return get_user_model().objects.filter(is_active=True).order_by(*PERSON_ORDER)


class OnboardingStartForm(forms.Form):
    track = forms.ModelChoiceField(queryset=OnboardingTrack.objects.none(), label="Track", empty_label=None)
    started_on = forms.DateField(label="Start date", widget=DATE_INPUT)

    def __init__(self, *args, partner: Partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["track"].queryset = (
            OnboardingTrack.objects.filter(is_current=True, partner_type__in=partner.types.all())
            .select_related("partner_type")
            .order_by("partner_type__name")
        )


class OnboardingStepForm(forms.ModelForm):
    """Owner and due date of one step of a running onboarding (partner managers)."""

    class Meta:
        model = OnboardingStep
        fields = ["owner", "due_on"]
        widgets = {"due_on": DATE_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Active people only; the current owner stays listed so the form shows who it is.
        people = Q(is_active=True)
        if self.instance.owner_id:
            people |= Q(pk=self.instance.owner_id)
        self.fields["owner"].queryset = get_user_model().objects.filter(people).order_by(*PERSON_ORDER)


class OnboardingTrackForm(forms.ModelForm):
    class Meta:
        model = OnboardingTrack
        fields = ["partner_type"]


class OnboardingStepTemplateForm(forms.ModelForm):
    class Meta:
        model = OnboardingStepTemplate
        fields = ["title", "description", "owner_role", "due_offset_days", "required", "proof", "position"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"position": "Steps are listed by this number (empty: after the last)."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False
        if not self.instance.pk:
            self.initial.pop("position", None)


class TeamMemberForm(forms.ModelForm):
    class Meta:
        model = PartnerTeamMember
        fields = ["user", "role"]
        labels = {"user": "Person", "role": "Role on the partner"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = active_people()

    def validate_unique(self):
        pass  # the service validates with the partner set (full_clean) and gives the constraint's message


class CollateralForm(forms.ModelForm):
    class Meta:
        model = Collateral
        fields = ["kind", "title", "version", "language", "valid_until", "campaign", "file", "made_by_vshn", "notes"]
        widgets = {"valid_until": DATE_INPUT, "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the partner's own campaigns are offered (and accepted).
        campaign = self.fields["campaign"]
        assert isinstance(campaign, forms.ModelChoiceField)
        campaign.queryset = partner_campaigns(self.instance.partner)
        campaign.label_from_instance = lambda c: f"{c.title} ({formatting.day(c.starts_on)})"
        campaign.error_messages["invalid_choice"] = (
            f"Choose one of {self.instance.partner.name}'s campaigns (or none): that campaign is not one of theirs."
        )

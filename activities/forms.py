from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils import timezone

from partnerhub.form_fields import ModelMultipleChoiceField
from partnerhub.formatting import PERSON_ORDER
from partners.models import Contact, Partner

from .models import (
    MONEY_METRICS,
    Activity,
    Campaign,
    DealRegistration,
    JointPlan,
    JointPlanInitiative,
    Metric,
    Opportunity,
    Task,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _active_users():
    return get_user_model().objects.filter(is_active=True).order_by(*PERSON_ORDER)


def _active_partners():
    return Partner.objects.filter(archived=False).order_by("name")


# A person picker lists active colleagues only; an inactive (or unknown) one sent anyway gets this.
INACTIVE_OR_UNKNOWN = "Choose an active colleague: this person's account is inactive or unknown."


def assignee_field(**kwargs) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(queryset=_active_users(), error_messages={"invalid_choice": INACTIVE_OR_UNKNOWN}, **kwargs)


class ActivityForm(forms.ModelForm):
    follow_up_assignee = assignee_field(
        required=False, label="Follow-up by", help_text="Who follows up (a task of theirs); you if empty."
    )

    class Meta:
        model = Activity
        fields = [
            "partner",
            "kind",
            "occurred_on",
            "subject",
            "notes",
            "participants",
            "contacts",
            "follow_up_on",
            "follow_up_assignee",
            "inform_team",
        ]
        field_classes = {"participants": ModelMultipleChoiceField, "contacts": ModelMultipleChoiceField}
        widgets = {
            "occurred_on": DATE_INPUT,
            "follow_up_on": DATE_INPUT,
            # @mentions: static/js/activities.js suggests colleagues from activities:people.
            "notes": forms.Textarea(attrs={"rows": 4, "data-mentions": reverse_lazy("activities:people")}),
        }
        help_texts = {"notes": "Mention a colleague with @username to notify them."}

    def __init__(self, *args, partner: Partner | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = _active_partners()
        self.fields["participants"].queryset = _active_users()
        self.fields["participants"].help_text = "VSHNeers who took part."
        contacts = Contact.objects.filter(is_active=True).select_related("partner").order_by("partner__name", "last_name")
        partner = partner or (self.instance.partner if self.instance.partner_id else None)
        if partner is not None:
            self.fields["partner"].initial = partner.pk
            contacts = contacts.filter(partner=partner)
        self.fields["contacts"].queryset = contacts
        self.fields["contacts"].label_from_instance = lambda c: f"{c.full_name} ({c.partner.name})"
        task = getattr(self.instance, "follow_up_task", None) if self.instance.pk else None
        if task is not None:
            self.fields["follow_up_assignee"].initial = task.assignee_id

    def clean(self):
        cleaned = super().clean()
        partner = cleaned.get("partner")
        wrong = [c for c in cleaned.get("contacts") or [] if partner and c.partner_id != partner.pk]
        if wrong:
            self.add_error("contacts", f"{', '.join(c.full_name for c in wrong)} do not work at {partner.name}.")
        return cleaned


class QuickActivityForm(forms.ModelForm):
    """The three-field log on the partner page."""

    class Meta:
        model = Activity
        fields = ["kind", "occurred_on", "subject"]
        widgets = {"occurred_on": DATE_INPUT}


class OpportunityForm(forms.ModelForm):
    class Meta:
        model = Opportunity
        fields = [
            "partner",
            "end_customer",
            "title",
            "value",
            "currency",
            "stage",
            "expected_close",
            "won_on",
            "source",
            "campaign",
            "owner",
            "notes",
        ]
        widgets = {"expected_close": DATE_INPUT, "won_on": DATE_INPUT, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = _active_partners()
        self.fields["owner"].queryset = _active_users()
        # Campaigns of the last two years (and the one linked): the picker stays short at any scale.
        since = timezone.localdate() - timedelta(days=730)
        recent = Q(starts_on__gte=since) | Q(pk=self.instance.campaign_id or 0)
        self.fields["campaign"].queryset = Campaign.objects.filter(recent).order_by("-starts_on", "-id")
        self.fields["source"].required = False  # older clients and imports send none: partner-influenced

    def clean(self):
        cleaned = super().clean()
        cleaned["source"] = cleaned.get("source") or Opportunity.Source.PARTNER_INFLUENCED
        campaign, partner = cleaned.get("campaign"), cleaned.get("partner")
        if campaign and partner and not campaign.partners.filter(pk=partner.pk).exists():
            self.add_error("campaign", "This campaign does not include the deal's partner.")
        # The won day belongs to won deals only: today when a deal is marked won without one.
        if cleaned.get("stage") == Opportunity.Stage.WON:
            cleaned["won_on"] = cleaned.get("won_on") or timezone.localdate()
        else:
            cleaned["won_on"] = None
        return cleaned


class DealRegistrationForm(forms.ModelForm):
    confirm_duplicate = forms.BooleanField(
        required=False,
        label="Save anyway: this is not a duplicate",
        widget=forms.CheckboxInput(attrs={"data-testid": "confirm-duplicate"}),
    )

    class Meta:
        model = DealRegistration
        fields = ["partner", "registration_id", "customer", "products", "value", "currency", "expires_on", "owner", "notes"]
        widgets = {
            "expires_on": DATE_INPUT,
            "products": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = _active_partners()
        self.fields["owner"].queryset = _active_users()
        self.fields["customer"].help_text = "The end customer as the partner's portal names it."


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=DealRegistration.Status.choices)
    expires_on = forms.DateField(required=False, widget=DATE_INPUT)


class CampaignForm(forms.ModelForm):
    partners = ModelMultipleChoiceField(queryset=Partner.objects.none(), widget=forms.SelectMultiple(attrs={"size": 6}))

    class Meta:
        model = Campaign
        fields = [
            "title",
            "kind",
            "partners",
            "status",
            "starts_on",
            "ends_on",
            "budget",
            "currency",
            "leads",
            "attendees",
            "owner",
            "pr_guidelines_approved",
            "description",
        ]
        widgets = {"starts_on": DATE_INPUT, "ends_on": DATE_INPUT, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partners"].queryset = _active_partners()
        self.fields["owner"].queryset = _active_users()
        self.fields["status"].help_text = "Done or published needs the brand check and the partner's PR guidelines approved."


class JointPlanForm(forms.ModelForm):
    class Meta:
        model = JointPlan
        fields = ["summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}


class InitiativeForm(forms.ModelForm):
    class Meta:
        model = JointPlanInitiative
        fields = [
            "title",
            "kind",
            "owner",
            "status",
            "campaign",
            "opportunity",
            "deal_registration",
            "metric",
            "target_value",
            "target_currency",
            "custom_actual",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        cleaned = super().clean()
        metric = cleaned.get("metric")
        # Only what the metric takes is kept: a currency for money, a hand-entered actual for custom.
        if metric not in MONEY_METRICS:
            cleaned["target_currency"] = ""
        if metric != Metric.CUSTOM:
            cleaned["custom_actual"] = None
        return cleaned

    def __init__(self, *args, partner: Partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _active_users()
        self.fields["campaign"].queryset = Campaign.objects.filter(partners=partner).order_by("-starts_on")
        self.fields["opportunity"].queryset = partner.opportunities.order_by("title")
        self.fields["deal_registration"].queryset = partner.deal_registrations.order_by("-created_at")


class TaskForm(forms.ModelForm):
    assignee = assignee_field(label="Assigned to")

    class Meta:
        model = Task
        fields = ["title", "partner", "assignee", "due_on", "notes"]
        widgets = {"due_on": DATE_INPUT, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        partners = Partner.objects.filter(Q(archived=False) | Q(pk=self.instance.partner_id or 0)).order_by("name")
        self.fields["partner"].queryset = partners  # an archived partner's task stays editable


class TaskReassignForm(forms.Form):
    assignee = assignee_field(label="Reassign to", widget=forms.Select(attrs={"class": "form-select form-select-sm"}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_reassign_%s")
        super().__init__(*args, **kwargs)

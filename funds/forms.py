from decimal import Decimal

from django import forms
from django.utils import timezone

from activities.models import Campaign
from partners.models import Partner

from .models import INVOICE_PAYMENT_TERM_DAYS, FundAllocation, FundClaim, ProofDocument

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
AMOUNT_ERRORS = {
    "max_decimal_places": "Amounts have at most 2 decimal places (cents).",
    "min_value": "The amount must be greater than zero.",
}


def amount_field(label: str, **kwargs) -> forms.DecimalField:
    """Money input: positive, at most two decimals (0.001 is refused, not rounded)."""
    return forms.DecimalField(
        label=label,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages=AMOUNT_ERRORS,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
        **kwargs,
    )


class FundAllocationForm(forms.ModelForm):
    amount = amount_field("Allocated amount")

    class Meta:
        model = FundAllocation
        fields = [
            "partner",
            "kind",
            "period_label",
            "period_start",
            "period_end",
            "amount",
            "currency",
            "tool_name",
            "tool_reference",
            "tool_url",
            "claim_deadline_days",
            "notes",
        ]
        widgets = {"period_start": DATE_INPUT, "period_end": DATE_INPUT, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Partner.objects.filter(archived=False).order_by("name")
        self.fields["claim_deadline_days"].widget.attrs["min"] = 1

    def clean_period_label(self) -> str:
        return " ".join(self.cleaned_data["period_label"].split())


OVER_REMAINING_LABEL = "Submit anyway: I know the claim is above what is left of the allocation"


def confirm_over_remaining_field() -> forms.BooleanField:
    return forms.BooleanField(
        required=False,
        label=OVER_REMAINING_LABEL,
        widget=forms.CheckboxInput(attrs={"data-testid": "confirm-over-remaining"}),
    )


class FundClaimForm(forms.ModelForm):
    requested_amount = amount_field("Requested amount")
    # Not a model field: the view asks for it only when the claim is above the allocation's remaining amount.
    confirm_over_remaining = confirm_over_remaining_field()

    class Meta:
        model = FundClaim
        fields = [
            "allocation",
            "campaign",
            "title",
            "activity_start",
            "activity_end",
            "requested_amount",
            "currency",
            "description",
        ]
        widgets = {"activity_start": DATE_INPUT, "activity_end": DATE_INPUT, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["allocation"].queryset = (
            FundAllocation.objects.filter(partner__archived=False)
            .select_related("partner")
            .order_by("partner__name", "-period_start")
        )
        self.fields["campaign"].queryset = Campaign.objects.order_by("-starts_on", "title")


class SubmitClaimForm(forms.Form):
    tool_reference = forms.CharField(label="Reference in the partner tool", max_length=100)
    confirm_over_remaining = confirm_over_remaining_field()

    def __init__(self, *args, over_remaining: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not over_remaining:
            del self.fields["confirm_over_remaining"]
        else:
            field = self.fields["confirm_over_remaining"]
            field.required = True
            field.error_messages["required"] = "Tick the box to submit it anyway."


class ApproveClaimForm(forms.Form):
    approved_amount = amount_field("Approved amount")


class RejectClaimForm(forms.Form):
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ProofChecklistForm(forms.Form):
    """The proof-of-performance checklist; labels come from the model fields."""

    def __init__(self, *args, claim: FundClaim | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in FundClaim.PROOF_CHECKLIST:
            field = FundClaim._meta.get_field(name)
            self.fields[name] = forms.BooleanField(
                label=str(field.verbose_name).capitalize(), required=False, initial=getattr(claim, name) if claim else False
            )


class ProofDocumentForm(forms.ModelForm):
    class Meta:
        model = ProofDocument
        fields = ["file", "description"]


class InvoiceForm(forms.Form):
    number = forms.CharField(label="VSHN invoice number", max_length=50)
    issued_on = forms.DateField(label="Issued on", widget=DATE_INPUT)
    due_on = forms.DateField(
        label="Due on",
        widget=DATE_INPUT,
        required=False,
        help_text=f"Leave empty for {INVOICE_PAYMENT_TERM_DAYS} days after the issue date.",
    )
    amount = amount_field("Amount", required=False, help_text="Leave empty for the approved amount.")

    def clean_number(self) -> str:
        return self.cleaned_data["number"].strip()


class MarkPaidForm(forms.Form):
    paid_on = forms.DateField(label="Paid on", widget=DATE_INPUT, initial=timezone.localdate)

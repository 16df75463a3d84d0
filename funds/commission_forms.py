"""Forms of the referral and reseller commissions (issue 18, item 5)."""

from django import forms

from partners.models import Partner

from .commissions import COMMISSION_PARTNER_TYPES
from .models import CommissionAgreement

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CommissionAgreementForm(forms.ModelForm):
    class Meta:
        model = CommissionAgreement
        fields = [
            "partner",
            "kind",
            "percent",
            "fixed_amount",
            "currency",
            "valid_from",
            "valid_until",
            "products",
            "payment_days",
            "notes",
        ]
        widgets = {"valid_from": DATE_INPUT, "valid_until": DATE_INPUT, "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Consultants and resellers only: a short list, whatever the number of partners.
        self.fields["partner"].queryset = (
            Partner.objects.filter(archived=False, types__code__in=COMMISSION_PARTNER_TYPES).distinct().order_by("name")
        )


class CommissionInvoicedForm(forms.Form):
    invoice_number = forms.CharField(label="Partner's invoice number", max_length=100)
    invoiced_on = forms.DateField(label="Invoice date", widget=DATE_INPUT)


class CommissionPaidForm(forms.Form):
    paid_on = forms.DateField(label="Paid on", widget=DATE_INPUT)

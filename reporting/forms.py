from django import forms

from partners.models import Partner

from .filters import parse_month
from .models import SNOOZE_KEY_MAX_LENGTH, SNOOZE_REASON_MAX_LENGTH, LicenseReportLine, ReportingAgreement


class MonthField(forms.CharField):
    """A month as "YYYY-MM" (the browser's month input), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        month = parse_month(value)
        if month is None:
            raise forms.ValidationError("Enter a month as YYYY-MM.")
        return month


class ReportCreateForm(forms.Form):
    partner = forms.ModelChoiceField(queryset=Partner.objects.filter(archived=False).order_by("name"))
    month = MonthField(help_text="The month the report covers.")


class ReportLineForm(forms.ModelForm):
    class Meta:
        model = LicenseReportLine
        fields = ["product", "unit", "quantity", "unit_price", "currency", "term"]
        widgets = {
            "quantity": forms.NumberInput(attrs={"min": "0", "step": "0.01"}),
            "unit_price": forms.NumberInput(attrs={"min": "0", "step": "0.01"}),
        }


class AgreementForm(forms.ModelForm):
    class Meta:
        model = ReportingAgreement
        fields = [
            "reporting_required",
            "due_day",
            "channel",
            "recipient",
            "accounting_threshold",
            "currency",
            "growth_alert_percent",
            "notes",
        ]
        widgets = {
            "due_day": forms.NumberInput(attrs={"min": "1", "max": "28"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


class SnoozeForm(forms.Form):
    """Snooze one inbox item (reporting/inbox.py:item_key) until a day, with a reason."""

    key = forms.CharField(max_length=SNOOZE_KEY_MAX_LENGTH, widget=forms.HiddenInput)
    until = forms.DateField(label="Snooze until")
    reason = forms.CharField(max_length=SNOOZE_REASON_MAX_LENGTH, label="Why")


class UnsnoozeForm(forms.Form):
    key = forms.CharField(max_length=SNOOZE_KEY_MAX_LENGTH, widget=forms.HiddenInput)

from django import forms
from django.contrib.auth import get_user_model

from partnerhub.formatting import PERSON_ORDER
from partnerhub.input_bounds import validate_text_upload

from .models import Certification, Holding, PartnerProgramStatus, ProgramLevel

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_IMPORT_BYTES = 1024 * 1024


class HoldingForm(forms.ModelForm):
    """Managers pick the holder; everyone else records their own holdings (the field is removed)."""

    class Meta:
        model = Holding
        fields = ["holder", "certification", "obtained_on", "expires_on", "credential_id", "verification_url", "certificate"]
        widgets = {"obtained_on": DATE_INPUT, "expires_on": DATE_INPUT}

    def __init__(self, *args, may_pick_holder: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if may_pick_holder:
            self.fields["holder"].queryset = get_user_model().objects.filter(is_active=True).order_by(*PERSON_ORDER)
            self.fields["holder"].label = "Person"
        else:
            del self.fields["holder"]
        self.fields["certification"].queryset = Certification.objects.select_related("partner").order_by("partner__name", "name")
        self.fields["certification"].label_from_instance = lambda c: f"{c.partner.name}: {c}"


class ProgramStatusForm(forms.ModelForm):
    class Meta:
        model = PartnerProgramStatus
        fields = ["held_level", "target_level", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        levels = ProgramLevel.objects.filter(partner=self.instance.partner).order_by("rank", "name")
        self.fields["held_level"].queryset = levels
        self.fields["target_level"].queryset = levels


class HoldingImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: holder (username or email), certification_code, partner (optional, needed when a code "
        "exists at several partners), obtained_on (YYYY-MM-DD), expires_on (optional), credential_id, verification_url.",
        required=False,
    )
    csv_text = forms.CharField(widget=forms.HiddenInput, required=False)
    skip_bad_rows = forms.BooleanField(required=False, label="Skip bad rows and import only the good ones")

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            return None
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("Upload a .csv file.")
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file is larger than 1 MB; split it into smaller files.")
        return validate_text_upload(upload)  # UTF-8 text without control characters (NUL: a 500 on PostgreSQL)

    def clean(self):
        data = super().clean()
        text = data.get("file") or data.get("csv_text")
        if not text and not self.errors:
            raise forms.ValidationError("Choose a CSV file to import.")
        if text and len(text.encode()) > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file is larger than 1 MB; split it into smaller files.")
        data["text"] = text
        return data

"""Forms of the quarterly business reviews (issue 18, item 2)."""

from django import forms
from django.contrib.auth import get_user_model

from partnerhub.form_fields import ModelMultipleChoiceField
from partnerhub.formatting import PERSON_ORDER
from partners.models import Contact, Partner

from .models import QuarterlyReview

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _users():
    return get_user_model().objects.filter(is_active=True).order_by(*PERSON_ORDER)


class ReviewForm(forms.ModelForm):
    class Meta:
        model = QuarterlyReview
        fields = [
            "held_on",
            "vshn_attendees",
            "partner_attendees",
            "our_score",
            "partner_score",
            "went_well",
            "roadblocks",
            "decisions",
        ]
        # Ids beyond 64 bits are refused choices, not a 500 on SQLite (found by test_hostile_input).
        field_classes = {"vshn_attendees": ModelMultipleChoiceField, "partner_attendees": ModelMultipleChoiceField}
        widgets = {
            "held_on": DATE_INPUT,
            "our_score": forms.NumberInput(attrs={"min": 0, "max": 10}),
            "partner_score": forms.NumberInput(attrs={"min": 0, "max": 10}),
            "went_well": forms.Textarea(attrs={"rows": 3}),
            "roadblocks": forms.Textarea(attrs={"rows": 3}),
            "decisions": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, partner: Partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vshn_attendees"].queryset = _users()
        self.fields["partner_attendees"].queryset = Contact.objects.filter(partner=partner, is_active=True).order_by(
            "last_name", "first_name"
        )


class ReviewCreateForm(ReviewForm):
    class Meta(ReviewForm.Meta):
        fields = ["held_on", "vshn_attendees", "partner_attendees"]


class ActionItemForm(forms.Form):
    title = forms.CharField(max_length=150)
    owner = forms.ModelChoiceField(queryset=None)
    due_on = forms.DateField(widget=DATE_INPUT, label="Due")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _users()

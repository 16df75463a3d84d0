from typing import cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class SignInForm(AuthenticationForm):
    """Django sets the username's max_length after the field exists, so its validator is missing and
    an over-long name reached authenticate() (and django-axes' 255-character column: a 500 on
    PostgreSQL). The validator makes it a form error before anything is looked up or recorded."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        if isinstance(username, forms.CharField) and username.max_length is not None:  # Django's UsernameField
            username.validators.append(MaxLengthValidator(username.max_length))


class NotificationSettingsForm(forms.Form):
    """Which reminder kinds come as one email each; the rest arrive together in one digest per run."""

    immediate_kinds = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Email these one by one, as they are due",
        help_text="Everything else comes in one digest email per reminder run (in-app notifications are always one per item).",
    )

    def __init__(self, *args, **kwargs):
        from .reminders import REMINDER_LABELS

        super().__init__(*args, **kwargs)
        # Declared above as a MultipleChoiceField; form.fields is typed as plain Fields.
        kinds = sorted(REMINDER_LABELS.items(), key=lambda item: item[1])
        cast(forms.MultipleChoiceField, self.fields["immediate_kinds"]).choices = kinds

from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class SignInForm(AuthenticationForm):
    """Django sets the username's max_length after the field exists, so its validator is missing and
    an over-long name reached authenticate() (and django-axes' 255-character column: a 500 on
    PostgreSQL). The validator makes it a form error before anything is looked up or recorded."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].validators.append(MaxLengthValidator(self.fields["username"].max_length))

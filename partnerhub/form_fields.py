"""Form fields shared by every app's forms."""

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

_INT64 = range(-(2**63), 2**63)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, refusing ids outside the 64-bit integer range as invalid choices.

    SQLite raises OverflowError (a 500) on `pk__in=[10**30]`; Django's single-choice field is already
    safe (it drops out-of-range exact lookups). Found by tests/security/test_hostile_input.py.
    """

    def _check_values(self, value):
        if self.to_field_name is None:
            for pk in value:
                try:
                    number = int(str(pk).strip())
                except ValueError:
                    continue  # Django refuses it as an invalid value
                if number not in _INT64:
                    raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk})
        # _check_values is Django's (ModelMultipleChoiceField), missing from django-stubs.
        return cast(Any, super())._check_values(value)


class NativeDateInput(forms.DateInput):
    """A real date picker (``type=date``): the browser shows it in the person's locale and sends an
    ISO date, so nobody types mm/dd/yyyy. Every form's DateField uses it (install_native_date_inputs)."""

    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format=format or "%Y-%m-%d")


def install_native_date_inputs() -> None:
    """Every DateField of every form (app forms, django-filter, model forms) renders a date picker;
    the admin keeps its own widget (it passes one). Idempotent."""
    forms.DateField.widget = NativeDateInput
    install_labelled_range_inputs()


def install_labelled_range_inputs() -> None:
    """django-filter's range widgets (date from – to) render two inputs under one <label>, which points
    at neither: each gets an aria-label ("Expires on from" / "… to"), so screen readers name them."""
    from django_filters.widgets import RangeWidget

    if getattr(RangeWidget.get_context, "labelled", False):
        return
    original = RangeWidget.get_context

    def get_context(self, name, value, attrs):
        context = original(self, name, value, attrs)
        words = name.replace("_", " ").capitalize()
        for subwidget, which in zip(context["widget"]["subwidgets"], ("from", "to"), strict=False):
            subwidget["attrs"].setdefault("aria-label", f"{words} {which}")
        return context

    setattr(get_context, "labelled", True)  # noqa: B010 - marks the patch (idempotent install)
    RangeWidget.get_context = get_context

"""Lean rendering for filter forms: they sit on every list page, so they skip crispy's layout
machinery (the largest share of a list page's render time at scale) and only add Bootstrap classes."""

from django import forms, template

register = template.Library()

_SELECTS = (forms.Select, forms.SelectMultiple, forms.NullBooleanSelect)


@register.filter
def as_filter_widget(field: forms.BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, _SELECTS):
        css = "form-select form-select-sm"
    else:
        css = "form-control form-control-sm"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})


@register.simple_tag
def app_templates(filename: str) -> list[str]:
    """The apps' `<app>/<filename>` templates (partnerhub/navigation.py): `{% app_templates "_nav.html" as navs %}`."""
    from partnerhub.navigation import app_templates as found

    return found(filename)

"""Lean rendering for filter forms: they sit on every list page, so they skip crispy's layout
machinery (the largest share of a list page's render time at scale) and only add Bootstrap classes."""

import re

from django import forms, template
from django.forms.boundfield import BoundWidget
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_SELECTS = (forms.Select, forms.SelectMultiple, forms.NullBooleanSelect)
# One input per choice (CheckboxSelectMultiple is a RadioSelect): a fieldset of real checkboxes/radios.
_CHOICE_GROUPS = (forms.RadioSelect,)


@register.filter
def is_choice_group(field: forms.BoundField) -> bool:
    """A field shown as one box per choice: the filter form gives it a fieldset and legend, not a label."""
    return isinstance(field.field.widget, _CHOICE_GROUPS)


def _choice_group(field: forms.BoundField) -> SafeString:
    widget = field.field.widget
    attrs = {"id": field.auto_id, "class": "form-check-input" + (" is-invalid" if field.errors else "")}
    options = (
        BoundWidget(widget, data, field.form.renderer) for data in widget.subwidgets(field.html_name, field.value(), attrs)
    )
    return format_html_join(
        "",
        '<div class="form-check form-check-inline">{}<label class="form-check-label" for="{}">{}</label></div>',
        ((option.tag(), option.id_for_label, option.choice_label) for option in options),
    )


@register.filter
def as_filter_widget(field: forms.BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, _CHOICE_GROUPS):
        return _choice_group(field)
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


# A main-navigation link as base.html renders it: `<a class="nav-link ..." href="/partners/"`.
_NAV_LINK = re.compile(r'<a class="(?P<css>(?:nav-link|dropdown-item)[^"]*)" href="(?P<href>/[^"#?]*)"')


@register.filter(is_safe=True)
def mark_current(html: str, path: str) -> str:
    """The navigation with `aria-current="page"` (and Bootstrap's `active`) on the link of the page's section.

    base.html caches the navigation per role set, so it cannot know the page; this runs on the cached
    HTML per request: the link whose path is the longest prefix of the page's (the dashboard's "/" only
    on "/"), e.g. "/partners/contacts/" marks Contacts, "/partners/12/" marks Partners.
    """
    best = None
    for match in _NAV_LINK.finditer(html):
        href = match["href"]
        if (path == href or (href != "/" and href.endswith("/") and path.startswith(href))) and (
            best is None or len(href) > len(best["href"])
        ):
            best = match
    if best is None:
        return html
    marked = format_html('<a class="{} active" aria-current="page" href="{}"', best["css"], best["href"])
    # html is the navigation base.html rendered from our own templates (never user input); one tag changes.
    return mark_safe(html[: best.start()] + marked + html[best.end() :])  # noqa: S308  # nosec

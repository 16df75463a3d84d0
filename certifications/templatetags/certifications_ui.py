"""{% compliance_badge %}: the status badge of a level or requirement.

A tag rather than an {% include %} with four arguments: the overview draws about a hundred badges
per page, and an include costs a template render each, once most of the page's time.
"""

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

_BADGE_CLASS = {"met": "text-bg-success", "at_risk": "text-bg-warning"}


@register.simple_tag
def compliance_badge(compliance, with_date: bool = True) -> SafeString:
    """`compliance` is a LevelCompliance or RequirementCompliance (status, status_label, at_risk_date);
    the at-risk date follows the label unless with_date=False."""
    at_risk_date = compliance.at_risk_date if with_date else None
    return format_html(
        '<span class="badge {}" data-testid="compliance-status" data-status="{}">{}{}</span>',
        _BADGE_CLASS.get(compliance.status, "text-bg-danger"),
        compliance.status,
        compliance.status_label,
        f" · {date_filter(at_risk_date, 'd M Y')}" if at_risk_date else "",
    )

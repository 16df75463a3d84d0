"""{% compliance_badge %}: the status badge of a level or requirement; {% level_badges %}: a list of
levels with their badges.

Tags rather than an {% include %} and a template loop: the overview draws about a hundred badges per
page, and an include costs a template render each (once most of the page's time).
"""

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from ..compliance import STATUS_LABELS

register = template.Library()

_BADGE_CLASS = {"met": "text-bg-success", "at_risk": "text-bg-warning"}


def _badge(status: str, label: str, suffix: str = "") -> SafeString:
    return format_html(
        '<span class="badge {}" data-testid="compliance-status" data-status="{}">{}{}</span>',
        _BADGE_CLASS.get(status, "text-bg-danger"),
        status,
        label,
        suffix,
    )


# Most badges have no date: built once, not per badge.
_BADGES = {status: _badge(status, label) for status, label in STATUS_LABELS.items()}


@register.simple_tag
def compliance_badge(compliance, with_date: bool = True) -> SafeString:
    """`compliance` is a LevelCompliance or RequirementCompliance (status, status_label, at_risk_date);
    the at-risk date follows the label unless with_date=False."""
    if with_date and compliance.at_risk_date:
        return _badge(compliance.status, compliance.status_label, f" · {date_filter(compliance.at_risk_date, 'd M Y')}")
    return _BADGES.get(compliance.status) or _badge(compliance.status, compliance.status_label)


@register.simple_tag
def level_badges(levels) -> SafeString:
    """Each LevelCompliance's level name and badge (without the date), e.g. the overview's "All levels"."""
    return format_html_join(
        "", '<span class="me-2 nowrap">{} {}</span>', ((lc.level.name, compliance_badge(lc, with_date=False)) for lc in levels)
    )

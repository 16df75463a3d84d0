"""The partner detail page's "Certifications" section: levels held and aimed for, and compliance."""

from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone

from partners.models import Partner
from partners.sections import PartnerSection, register_section

from .compliance import DEFAULT_HORIZON_DAYS, partner_compliance
from .selectors import partner_program_status


def section_context(partner: Partner, request: HttpRequest) -> dict:
    """Five queries whatever the number of levels and holdings: status, levels, requirements,
    their certifications, and the valid holdings."""
    today = timezone.localdate()
    on = today + timedelta(days=DEFAULT_HORIZON_DAYS)
    status = partner_program_status(partner)
    compliance = partner_compliance([partner.pk], today=today, on=on)[partner.pk]
    return {
        "partner": partner,
        "status": status,
        "on": on,
        "levels": compliance.levels,
        "held": compliance.level(status.held_level_id) if status else None,
        "target": compliance.level(status.target_level_id) if status else None,
    }


register_section(
    PartnerSection(key="certifications", title="Certifications", order=60, template="certifications/_partner_section.html", context=section_context)
)

"""The partner detail page's "Certifications" section: levels held and aimed for, and compliance."""

from django.http import HttpRequest
from django.utils import timezone

from partners.models import Partner
from partners.sections import PartnerSection, register_section

from .compliance import compliance_for, default_horizon
from .selectors import partner_program_status


def section_context(partner: Partner, request: HttpRequest) -> dict:
    """Five queries whatever the number of levels and holdings: status, levels, requirements, their
    certifications, and holdings. The statuses are the stored ones and the holdings query loads only
    those valid today ("who holds what"); before the day's first check the levels are computed live,
    and that one holdings query loads what the computation needs instead."""
    today = timezone.localdate()
    on = default_horizon(today)
    status = partner_program_status(partner)
    compliance = compliance_for([partner.pk], today=today, on=on, requirements=True, holders=True)[partner.pk]
    return {
        "partner": partner,
        "status": status,
        "on": on,
        "levels": compliance.levels,
        "held": compliance.level(status.held_level_id) if status else None,
        "target": compliance.level(status.target_level_id) if status else None,
    }


register_section(
    PartnerSection(
        key="certifications",
        title="Certifications",
        order=60,
        template="certifications/_partner_section.html",
        context=section_context,
    )
)

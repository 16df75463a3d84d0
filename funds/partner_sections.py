"""The partner detail page's "Funds" section: utilisation per allocation and currency, open claims."""

from django.http import HttpRequest

from partners.models import Partner
from partners.sections import PartnerSection, register_section

from . import selectors


def _context(partner: Partner, request: HttpRequest) -> dict:
    return selectors.partner_funds(partner_id=partner.pk)


register_section(PartnerSection(key="funds", title="Funds", order=70, template="funds/_partner_section.html", context=_context))

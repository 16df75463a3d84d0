"""The partner detail page's "Funds" section: utilisation per allocation and currency, open claims."""

from django.http import HttpRequest

from partners.models import Partner
from partners.sections import PartnerSection, register_section

from . import selectors


def _context(partner: Partner, request: HttpRequest) -> dict:
    return selectors.partner_funds(partner_id=partner.pk)


register_section(PartnerSection(key="funds", title="Funds", order=70, template="funds/_partner_section.html", context=_context))


def _commissions_context(partner: Partner, request: HttpRequest) -> dict:
    """Two queries: the partner's commission agreements and its latest commissions."""
    from .models import Commission, CommissionAgreement

    return {
        "agreements": list(CommissionAgreement.objects.filter(partner=partner).order_by("-valid_from", "-id")[:10]),
        "commissions": list(Commission.objects.filter(partner=partner).order_by("-due_on", "-id")[:10]),
    }


register_section(
    PartnerSection(
        key="commissions", title="Commissions", order=75, template="funds/_partner_commissions.html", context=_commissions_context
    )
)

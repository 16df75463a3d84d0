"""The license-reporting section of the partner detail page (two queries)."""

from django.http import HttpRequest

from partners.models import Partner
from partners.sections import PartnerSection, register_section

from .selectors import agreements_for_partner_section


def _context(partner: Partner, request: HttpRequest) -> dict:
    agreement, reports = agreements_for_partner_section(partner)
    return {"agreement": agreement, "reports": reports}


register_section(
    PartnerSection(
        key="license-reports", title="License reports", order=80, template="reporting/_partner_section.html", context=_context
    )
)


def _kpis_context(partner: Partner, request: HttpRequest) -> dict:
    """Five queries (reporting/kpis.py): time to first deal, won value, PSAT, win rate, fund ROI."""
    from django.utils import timezone

    from .kpis import partner_kpis

    return partner_kpis(partner, timezone.localdate())


register_section(
    PartnerSection(key="kpis", title="KPIs", order=85, template="reporting/_partner_kpis.html", context=_kpis_context)
)

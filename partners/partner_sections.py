from partnerhub.history import history_entries

from .models import Contact, Contract, Partner, SupplierRiskAssessment
from .sections import PartnerSection, register_section


def _history_context(partner: Partner, request) -> dict:
    return {
        "entries": history_entries(
            [
                (lambda row: "Partner", Partner.history.filter(id=partner.pk)),
                (lambda row: f"Contact {row.first_name} {row.last_name}", Contact.history.filter(partner_id=partner.pk)),
                (lambda row: f"Contract {row.title}", Contract.history.filter(partner_id=partner.pk)),
                (lambda row: "Risk assessment", SupplierRiskAssessment.history.filter(partner_id=partner.pk)),
            ]
        )
    }


register_section(
    PartnerSection(
        key="history", title="History", order=1000, template="partners/_history_section.html", context=_history_context
    )
)

from django.utils import timezone

from partnerhub.history import history_entries

from . import selectors
from .models import Contact, Contract, Onboarding, OnboardingStep, Partner, PartnerTeamMember, SupplierRiskAssessment
from .sections import PartnerSection, register_section


def _onboarding_context(partner: Partner, request) -> dict:
    """Two queries: the onboarding (running, else the newest) and its steps with owners."""
    today = timezone.localdate()
    onboarding = selectors.partner_onboarding(partner=partner)
    steps = onboarding.step_list if onboarding else []
    done = sum(1 for s in steps if s.done_at)
    return {
        "onboarding": onboarding,
        "today": today,
        "total": len(steps),
        "done": done,
        "percent": round(100 * done / len(steps)) if steps else 0,
        "overdue": sum(1 for s in steps if not s.done_at and s.due_on < today),
        "ready": bool(steps) and all(s.done_at for s in steps if s.required),
    }


register_section(
    PartnerSection(
        key="onboarding", title="Onboarding", order=10, template="partners/_onboarding_section.html", context=_onboarding_context
    )
)


def _history_context(partner: Partner, request) -> dict:
    return {
        "entries": history_entries(
            [
                (lambda row: "Partner", Partner.history.filter(id=partner.pk)),
                (lambda row: f"Contact {row.first_name} {row.last_name}", Contact.history.filter(partner_id=partner.pk)),
                (lambda row: f"Contract {row.title}", Contract.history.filter(partner_id=partner.pk)),
                (lambda row: "Risk assessment", SupplierRiskAssessment.history.filter(partner_id=partner.pk)),
                (lambda row: "Onboarding", Onboarding.history.filter(partner_id=partner.pk)),
                (lambda row: f"Team: {row.get_role_display()}", PartnerTeamMember.history.filter(partner_id=partner.pk)),
                (lambda row: f"Onboarding step {row.title}", OnboardingStep.history.filter(onboarding__partner_id=partner.pk)),
            ]
        )
    }


register_section(
    PartnerSection(
        key="history", title="History", order=1000, template="partners/_history_section.html", context=_history_context
    )
)


def _guidelines_context(partner: Partner, request) -> dict:
    """Two queries: the current brand and PR guidelines, and the newest other collateral."""
    return selectors.partner_guidelines(partner=partner, today=timezone.localdate())


register_section(
    PartnerSection(
        key="guidelines",
        title="Guidelines & collateral",
        order=15,
        template="partners/_guidelines_section.html",
        context=_guidelines_context,
    )
)

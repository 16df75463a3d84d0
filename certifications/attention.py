"""What certifications contribute to the dashboard, partner health and calendar feeds."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db.models import F, Q
from django.urls import reverse

from partnerhub import formatting
from partnerhub.attention import AttentionItem, CalendarEvent, HealthFinding, attention_provider, calendar_provider, health_check
from partnerhub.roles import Action, user_can
from partners.health import health_fact
from partners.models import OnboardingProof
from partners.onboarding import Proved, onboarding_proof

from . import selectors
from .compliance import AT_RISK, MET, NOT_MET, level_compliance
from .models import Holding, PartnerProgramStatus

SOON_DAYS = 90


def _held_level_findings(today: date, *, requirements: bool = False, only_flagged: bool = False, **status_filter):
    """(partner, held level compliance) for partners with a recorded held level, read from the stored
    compliance (compliance.level_compliance): one query, plus two for `requirements`, plus three for
    levels not yet checked today (computed live). `only_flagged` leaves out, in SQL, the held levels
    stored as met today."""
    statuses = PartnerProgramStatus.objects.filter(
        held_level__isnull=False, held_level__partner_id=F("partner_id"), partner__archived=False, **status_filter
    )
    if only_flagged:
        statuses = statuses.filter(~Q(held_level__compliance_checked_on=today) | ~Q(held_level__compliance_status=MET))
    statuses = list(statuses.select_related("partner", "held_level"))
    held = level_compliance([s.held_level for s in statuses], today=today, requirements=requirements)
    return [(s.partner, held[s.held_level_id]) for s in statuses]


@attention_provider("my_certifications_expiring")
def my_certifications_expiring(user: User, today: date) -> list[AttentionItem]:
    holdings = selectors.not_superseded(
        user.certification_holdings.filter(
            expires_on__gte=today - timedelta(days=30), expires_on__lte=today + timedelta(days=SOON_DAYS)
        )
    ).select_related("certification")
    return [
        AttentionItem(
            category="Certifications",
            title=f"Your {h.certification.name} {'expired' if h.expires_on < today else 'expires'}",
            due=h.expires_on,
            url=reverse("certifications:holding-edit", kwargs={"pk": h.pk}),
            overdue=h.expires_on < today,
            why="Partner levels count valid certifications.",
        )
        for h in holdings.order_by("expires_on")[:50]
    ]


@attention_provider("certification_levels_at_risk")
def certification_levels_at_risk(user: User, today: date) -> list[AttentionItem]:
    """Partner managers: held levels of their partners (all partners for admins) not met or at risk."""
    if not user_can(user, Action.MANAGE_ALL_CERTIFICATIONS) and not user.is_superuser:
        return []
    items = []
    mine = {} if user.is_superuser else {"partner__manager": user}
    for partner, held in _held_level_findings(today, only_flagged=True, **mine):
        if held.status == NOT_MET:
            items.append(
                AttentionItem(
                    "Certifications",
                    f"{partner.name}: {held.level.name} requirements not met",
                    today,
                    partner.get_absolute_url() + "#certifications",
                    overdue=True,
                )
            )
        elif held.status == AT_RISK:
            items.append(
                AttentionItem(
                    "Certifications",
                    f"{partner.name}: {held.level.name} at risk",
                    held.at_risk_date,
                    partner.get_absolute_url() + "#certifications",
                )
            )
    return sorted(items, key=lambda item: (not item.overdue, item.due or today))[:50]


@health_check("certification_compliance")
def certification_compliance(partner_ids: Sequence[int], today: date) -> dict[int, list[HealthFinding]]:
    """A requirement of the held level not met today → at risk; breaking within 90 days → watch."""
    findings: dict[int, list[HealthFinding]] = defaultdict(list)
    for partner, held in _held_level_findings(today, requirements=True, partner_id__in=list(partner_ids)):
        for rc in held.requirements:
            if rc.status == NOT_MET:
                findings[partner.pk].append(
                    HealthFinding(
                        "at_risk",
                        f"{held.level.name} level: requirement not met – {rc.holders_today} of {rc.requirement.min_holders} "
                        f"needed valid holders ({rc.description})",
                    )
                )
            elif rc.status == AT_RISK:
                findings[partner.pk].append(
                    HealthFinding(
                        "watch",
                        f"{held.level.name} level: {rc.description} no longer met after {formatting.day(rc.at_risk_date)} "
                        f"when a certification expires",
                    )
                )
    return findings


@calendar_provider("certification_expiries")
def certification_expiries(user: User, today: date) -> list[CalendarEvent]:
    """Your own expiries; for partner managers also the expiries of their partners' certifications."""
    holdings = selectors.holdings_expiring_between(start=today - timedelta(days=30), end=today + timedelta(days=365))
    if user.is_superuser:
        pass  # admins see every expiry
    elif user_can(user, Action.MANAGE_ALL_CERTIFICATIONS):
        holdings = holdings.filter(Q(holder=user) | Q(certification__partner__manager=user))
    else:
        holdings = holdings.filter(holder=user)
    return [
        CalendarEvent(
            uid=f"certification-expiry-{h.pk}-{h.expires_on:%Y%m%d}@partnerhub",
            title=f"Certification expires: {h.certification.name}"
            + ("" if h.holder_id == user.pk else f" ({h.holder.get_full_name() or h.holder.get_username()})"),
            day=h.expires_on,
            url=reverse("certifications:holding-edit", kwargs={"pk": h.pk}),
            description=f"{h.certification.code}, issued by {h.certification.partner.name}",
        )
        for h in holdings.order_by("expires_on")[:200]
    ]


# --- Facts health reads: a write to one refreshes its partners' health after the commit -------------


@health_fact(PartnerProgramStatus)
def _program_status_partner(status: PartnerProgramStatus) -> list[int]:
    return [status.partner_id]  # the level held changed


# Holdings, levels and requirements change health through the stored compliance it reads:
# services.compliance_refresh reports the partners whose compliance changed (health_changed).


@onboarding_proof(OnboardingProof.CERTIFICATION, Holding, partners_of=lambda h: [h.certification.partner_id])
def _first_holding_proof(partner_ids: Sequence[int]) -> dict[int, Proved]:
    """A VSHNeer holding one of the partner's certifications proves "first certifications"."""
    found: dict[int, Proved] = {}
    for holding in (
        Holding.objects.filter(certification__partner_id__in=partner_ids)
        .select_related("certification", "holder")
        .order_by("obtained_on", "id")
    ):
        found.setdefault(
            holding.certification.partner_id,
            Proved(
                f"{holding.certification.name}: {formatting.person(holding.holder)}",
                reverse("certifications:holding-edit", args=[holding.pk]),
            ),
        )
    return found

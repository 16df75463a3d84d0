"""What the partners app contributes to the dashboard, partner health and calendar feeds."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from partnerhub import formatting
from partnerhub.attention import (
    AttentionItem,
    CalendarEvent,
    HealthFinding,
    ItemAction,
    attention_provider,
    calendar_provider,
    health_check,
)
from partnerhub.roles import Action, user_can

from . import selectors
from .health import health_fact
from .models import Contract, Onboarding, OnboardingProof, OnboardingStep, Partner, SupplierRiskAssessment
from .onboarding import Proved, onboarding_proof


def _mine(queryset, user: User, manager_path: str):
    """Partner managers see their own partners' items; admins see all."""
    return queryset if user.is_superuser else queryset.filter(**{manager_path: user})


@attention_provider("contract_notices")
def contract_notices(user: User, today: date) -> list[AttentionItem]:
    contracts = _mine(
        selectors.notice_deadlines_soon(today=today, days=settings.REMINDER_CONTRACT_NOTICE_DAYS), user, "partner__manager"
    )
    return [
        AttentionItem(
            category="Contract notice deadlines",
            title=f"{c.partner.name}: give notice on {c.title}",
            due=c.notice_deadline,
            url=c.partner.get_absolute_url() + "#contracts",
            overdue=c.notice_deadline < today,
            why="Miss the notice deadline and the contract runs on for another term.",
        )
        for c in contracts.order_by("notice_deadline")[:50]
    ]


@attention_provider("risk_reviews")
def risk_reviews(user: User, today: date) -> list[AttentionItem]:
    reviews = _mine(selectors.risk_reviews_due_by(day=today + timedelta(days=30)), user, "partner__manager")
    return [
        AttentionItem(
            category="Supplier risk reviews",
            title=f"{r.partner.name}: supplier risk review",
            due=r.next_review_due,
            url=r.partner.get_absolute_url() + "#risk",
            overdue=r.next_review_due < today,
            why="The supplier security policy asks for a review on this date.",
        )
        for r in reviews.order_by("next_review_due")[:50]
    ]


@health_check("risk_review_overdue")
def risk_review_overdue(partner_ids: Sequence[int], today: date) -> dict[int, list[HealthFinding]]:
    findings: dict[int, list[HealthFinding]] = defaultdict(list)
    for review in (
        selectors.current_risk_assessments()
        .filter(partner_id__in=partner_ids, next_review_due__lt=today)
        .only("partner_id", "next_review_due")
    ):
        findings[review.partner_id].append(
            HealthFinding("watch", f"Supplier risk review overdue since {formatting.day(review.next_review_due)}")
        )
    return findings


@calendar_provider("contract_notices")
def contract_notice_events(user: User, today: date) -> list[CalendarEvent]:
    contracts = _mine(
        selectors.contracts_with_notice_deadline_between(start=today - timedelta(days=30), end=today + timedelta(days=365)),
        user,
        "partner__manager",
    )
    return [
        CalendarEvent(
            uid=f"contract-notice-{c.pk}-{c.notice_deadline:%Y%m%d}@partnerhub",
            title=f"Notice deadline: {c.partner.name} – {c.title}",
            day=c.notice_deadline,
            url=c.partner.get_absolute_url() + "#contracts",
        )
        for c in contracts[:200]
    ]


# Onboarding steps enter the inbox two weeks before they are due.
ONBOARDING_STEP_LEAD_DAYS = 14


@attention_provider("onboarding_steps")
def onboarding_steps(user: User, today: date) -> list[AttentionItem]:
    """My onboarding steps (as owner), and for a partner manager the open steps of their partners'
    onboardings that are overdue, each with "Mark done" where the user may tick it."""
    mine = Q(owner=user)
    if user_can(user, Action.MANAGE_PARTNERS):
        overdue_of_my_partners = (
            Q(due_on__lt=today) if user.is_superuser else Q(onboarding__partner__manager=user, due_on__lt=today)
        )
        mine |= overdue_of_my_partners
    steps = (
        selectors.open_onboarding_steps(today=today)
        .filter(mine, due_on__lte=today + timedelta(days=ONBOARDING_STEP_LEAD_DAYS))
        .order_by("due_on", "id")[:50]
    )
    may_tick_any = user_can(user, Action.MANAGE_PARTNERS)
    items = []
    for step in steps:
        partner = step.onboarding.partner
        url = partner.get_absolute_url() + "#onboarding"
        actions = (ItemAction("Open checklist", url),)
        if step.owner_id == user.pk or may_tick_any:
            done_url = reverse("partners:onboarding-step-done", args=[partner.slug, step.pk])
            actions = (ItemAction("Mark done", done_url, post=True, fields=(("next", "/"),)), *actions)
        owner = "" if step.owner_id == user.pk else f" (owner: {formatting.person(step.owner) if step.owner_id else 'nobody'})"
        items.append(
            AttentionItem(
                category="Onboarding",
                title=f"{partner.name}: {step.title}{owner}",
                due=step.due_on,
                url=url,
                overdue=step.due_on < today,
                why="Every onboarding step done on time gets the partner to its first deal sooner.",
                actions=actions,
            )
        )
    if user_can(user, Action.MANAGE_PARTNERS):
        items.extend(_onboardings_ready(user))
    return items


def _onboardings_ready(user: User) -> list[AttentionItem]:
    """The partner manager is asked to move a partner to active once every required step is done
    (`completion_notified_at` is set then, and cleared when a step is reopened): one query."""
    ready = Onboarding.objects.filter(ended_on__isnull=True, completion_notified_at__isnull=False)
    if not user.is_superuser:
        ready = ready.filter(partner__manager=user)
    items = []
    for onboarding in ready.select_related("partner").order_by("completion_notified_at", "id")[:50]:
        partner = onboarding.partner
        url = partner.get_absolute_url() + "#onboarding"
        finish = reverse("partners:onboarding-finish", args=[partner.slug])
        items.append(
            AttentionItem(
                category="Onboarding",
                title=f"{partner.name}: every required onboarding step is done — move to active?",
                due=timezone.localtime(onboarding.completion_notified_at).date(),
                url=url,
                why="Moving it to active records the onboarding's end date (time to first deal counts from it).",
                actions=(
                    ItemAction("Move to active", finish, post=True, fields=(("next", "/"),)),
                    ItemAction("Open checklist", url),
                ),
            )
        )
    return items


@health_check("onboarding_overdue")
def onboarding_overdue(partner_ids: Sequence[int], today: date) -> dict[int, list[HealthFinding]]:
    findings: dict[int, list[HealthFinding]] = defaultdict(list)
    counts: dict[int, int] = defaultdict(int)
    for partner_id in OnboardingStep.objects.filter(
        onboarding__partner_id__in=partner_ids, onboarding__ended_on__isnull=True, done_at__isnull=True, due_on__lt=today
    ).values_list("onboarding__partner_id", flat=True):
        counts[partner_id] += 1
    for partner_id, count in counts.items():
        findings[partner_id].append(HealthFinding("watch", f"{count} onboarding step{'s' if count > 1 else ''} overdue"))
    return findings


# --- Facts health reads: a write to one refreshes its partners' health after the commit -------------


@health_fact(Partner)
def _partner_itself(partner: Partner) -> list[int]:
    return [partner.pk]  # archived or restored, a new sync cadence


@health_fact(SupplierRiskAssessment)
def _risk_assessment_partner(assessment: SupplierRiskAssessment) -> list[int]:
    return [assessment.partner_id]


@health_fact(Contract)
def _contract_partner(contract: Contract) -> list[int]:
    return [contract.partner_id]


# --- Records that prove onboarding steps (partners/onboarding.py) ------------------------------------


def _first_contract_of_kind(kind: str):
    def find(partner_ids: Sequence[int]) -> dict[int, Proved]:
        found: dict[int, Proved] = {}
        for contract in (
            Contract.objects.filter(partner_id__in=partner_ids, kind=kind).select_related("partner").order_by("start_date", "id")
        ):
            found.setdefault(
                contract.partner_id,
                Proved(f"{contract.get_kind_display()}: {contract.title}", contract.partner.get_absolute_url() + "#contracts"),
            )
        return found

    return find


for _proof, _kind in (
    (OnboardingProof.PARTNER_AGREEMENT, Contract.Kind.PARTNER_AGREEMENT),
    (OnboardingProof.NDA, Contract.Kind.NDA),
    (OnboardingProof.DPA, Contract.Kind.DPA),
    (OnboardingProof.MSA, Contract.Kind.MSA),
    (OnboardingProof.PROGRAM_TERMS, Contract.Kind.PROGRAM_TERMS),
):
    onboarding_proof(_proof, Contract, partners_of=lambda c: [c.partner_id])(_first_contract_of_kind(_kind))


@onboarding_proof(OnboardingProof.RISK_ASSESSMENT, SupplierRiskAssessment, partners_of=lambda a: [a.partner_id])
def _risk_assessment_proof(partner_ids: Sequence[int]) -> dict[int, Proved]:
    found: dict[int, Proved] = {}
    for assessment in (
        SupplierRiskAssessment.objects.filter(partner_id__in=partner_ids).select_related("partner").order_by("assessed_on", "id")
    ):
        found.setdefault(
            assessment.partner_id,
            Proved(
                f"Supplier risk assessment of {formatting.day(assessment.assessed_on)}",
                assessment.partner.get_absolute_url() + "#risk",
            ),
        )
    return found


@health_fact(OnboardingStep)
def _onboarding_step_partner(step: OnboardingStep) -> list[int]:
    return [step.onboarding.partner_id]

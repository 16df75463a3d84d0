"""What the funds app contributes to the dashboard, partner health and the calendar feed."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db.models import Count, Min
from django.urls import reverse

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
from partnerhub.roles import Action, Role, user_can, user_roles
from partners.health import health_fact

from . import selectors
from .models import FundClaim, Invoice

# An invoice unpaid this long after its due date puts the partnership at risk, not just on watch.
OVERDUE_AT_RISK_DAYS = 30


def _sees_all_claims(user: User) -> bool:
    """Marketing files claims for every partner; partner managers look after their own."""
    return user.is_superuser or Role.MARKETING.value in user_roles(user)


def _sees_all_invoices(user: User) -> bool:
    return user.is_superuser or Role.ACCOUNTING.value in user_roles(user)


def _claims_for(queryset, user: User):
    return queryset if _sees_all_claims(user) else queryset.filter(allocation__partner__manager=user)


def _invoices_for(queryset, user: User):
    return queryset if _sees_all_invoices(user) else queryset.filter(claim__allocation__partner__manager=user)


@attention_provider("fund_claim_deadlines")
def fund_claim_deadlines(user: User, today: date) -> list[AttentionItem]:
    claims = _claims_for(selectors.claim_deadlines_soon(today=today), user)
    return [
        AttentionItem(
            category="Fund claim deadlines",
            title=f'{c.allocation.partner.name}: file the claim "{c.title}"',
            due=c.claim_deadline,
            url=c.get_absolute_url(),
            overdue=c.claim_deadline < today,
            why="Funds not claimed by the partner's deadline are lost.",
        )
        for c in claims.order_by("claim_deadline", "id")[:50]
    ]


@attention_provider("overdue_invoices")
def overdue_invoices(user: User, today: date) -> list[AttentionItem]:
    invoices = _invoices_for(selectors.overdue_invoices(today=today).select_related("claim__allocation__partner"), user)
    may_mark_paid = user_can(user, Action.MANAGE_ACCOUNTING)
    return [
        AttentionItem(
            category="Overdue invoices",
            title=f"{i.claim.allocation.partner.name}: invoice {i.number} ({formatting.money(i.amount, i.currency)}) unpaid",
            due=i.due_on,
            url=i.get_absolute_url(),
            overdue=True,
            why="Money the partner owes VSHN.",
            actions=(
                ItemAction(
                    "Mark paid today",
                    reverse("funds:invoice-paid", args=[i.pk]),
                    post=True,
                    fields=(("paid_on", today.isoformat()), ("next", "/")),
                ),
            )
            if may_mark_paid
            else (),
        )
        for i in invoices.order_by("due_on", "id")[:50]
    ]


@health_check("overdue_invoices")
def overdue_invoices_health(partner_ids: Sequence[int], today: date) -> dict[int, list[HealthFinding]]:
    """One query for the whole batch: overdue invoices counted per partner with the oldest due date."""
    findings: dict[int, list[HealthFinding]] = defaultdict(list)
    rows = (
        selectors.overdue_invoices(today=today)
        .filter(claim__allocation__partner_id__in=partner_ids)
        .values("claim__allocation__partner_id")
        .annotate(count=Count("id"), oldest=Min("due_on"))
        .order_by()
    )
    for row in rows:
        days = (today - row["oldest"]).days
        severity = "at_risk" if days > OVERDUE_AT_RISK_DAYS else "watch"
        count = row["count"]
        findings[row["claim__allocation__partner_id"]].append(
            HealthFinding(severity, f"{count} VSHN invoice{'s' if count != 1 else ''} for funds overdue (oldest by {days} days)")
        )
    return findings


@calendar_provider("invoice_due_dates")
def invoice_due_events(user: User, today: date) -> list[CalendarEvent]:
    invoices = _invoices_for(
        selectors.unpaid_invoices()
        .filter(due_on__gte=today - timedelta(days=90), due_on__lte=today + timedelta(days=365))
        .select_related("claim__allocation__partner"),
        user,
    )
    return [
        CalendarEvent(
            uid=f"invoice-due-{i.pk}-{i.due_on:%Y%m%d}@partnerhub",
            title=f"Invoice due: {i.number} ({i.claim.allocation.partner.name}, {formatting.money(i.amount, i.currency)})",
            day=i.due_on,
            url=i.get_absolute_url(),
        )
        for i in invoices.order_by("due_on", "id")[:200]
    ]


@calendar_provider("fund_claim_deadlines")
def claim_deadline_events(user: User, today: date) -> list[CalendarEvent]:
    claims = _claims_for(
        selectors.draft_claims_with_deadline_between(start=today - timedelta(days=30), end=today + timedelta(days=365)), user
    )
    return [
        CalendarEvent(
            uid=f"fund-claim-deadline-{c.pk}-{c.claim_deadline:%Y%m%d}@partnerhub",
            title=f"Fund claim deadline: {c.allocation.partner.name} – {c.title}",
            day=c.claim_deadline,
            url=c.get_absolute_url(),
        )
        for c in claims.order_by("claim_deadline", "id")[:200]
    ]


# --- Facts health reads: a write to one refreshes its partners' health after the commit -------------


@health_fact(Invoice)
def _invoice_partner(invoice: Invoice) -> list[int]:
    # Issued, paid, due date moved. One small query (not invoice.claim.allocation: two lazy loads).
    return FundClaim.objects.filter(pk=invoice.claim_id).values_list("allocation__partner_id", flat=True)

"""Referral and reseller commissions (issue 18, item 5): writes and reads.

A consultant's or reseller's partner-sourced deal that is won creates the commission VSHN owes
(DEAL_WON_HOOKS of activities/services.py, registered below: activities never imports funds). It
moves owed -> invoiced (the partner's invoice number) -> paid, by accounting. A deal that leaves won
removes its commission while unpaid (invoiced too: the partner's invoice is then void) and, once
paid, keeps it flagged for accounting with a warning and a notification.
"""

from collections.abc import Iterator
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, QueryDict

from activities.models import Opportunity
from activities.services import DEAL_WON_HOOKS
from partnerhub import formatting
from partnerhub.input_bounds import add_days
from partnerhub.notifications import notify
from partnerhub.reminders import DueReminder, each, reminder
from partnerhub.roles import Action, Role, user_can, users_with_role

from .filters import CommissionHistoryFilter
from .models import Commission, CommissionAgreement
from .reminders import overdue_week_key

# Partner types that earn referral commissions (partners/models.py DEFAULT_PARTNER_TYPES).
COMMISSION_PARTNER_TYPES = ("consultant-reseller",)


def agreement_for(opportunity: Opportunity) -> CommissionAgreement | None:
    """The partner's agreement covering the deal's won day and products (newest first)."""
    agreements = CommissionAgreement.objects.filter(
        partner_id=opportunity.partner_id, valid_from__lte=opportunity.won_on
    ).order_by("-valid_from", "-id")
    return next((a for a in agreements if a.covers(opportunity.won_on, opportunity.title)), None)


@transaction.atomic
def agreement_save(*, agreement: CommissionAgreement) -> CommissionAgreement:
    if agreement.partner_id and not agreement.partner.types.filter(code__in=COMMISSION_PARTNER_TYPES).exists():
        raise ValidationError({"partner": "Commissions are for consultant and reseller partners."})
    if agreement.kind == CommissionAgreement.Kind.PERCENTAGE:
        agreement.fixed_amount = None
    else:
        agreement.percent = None
    agreement.full_clean()
    agreement.save()
    return agreement


def commission_for_won_deal(opportunity: Opportunity, won: bool) -> list[str]:
    """The DEAL_WON_HOOK: create (or, while owed, update) the commission of a won partner-sourced deal
    covered by an agreement; undo it when the deal leaves won or is no longer such a deal. Returns
    warnings for the person saving the deal."""
    existing = Commission.objects.select_for_update().select_related("partner").filter(opportunity=opportunity).first()
    agreement = agreement_for(opportunity) if won and opportunity.source == Opportunity.Source.PARTNER_SOURCED else None
    if agreement is not None:
        if existing is not None and existing.status != Commission.Status.OWED:
            return []  # invoiced or paid: the partner's invoice stands; a correction is accounting's
        amount, currency = agreement.amount_for(opportunity.value, opportunity.currency)
        # New, or a won deal edited while its commission is owed (value, day won): it follows the deal.
        commission = existing or Commission(opportunity=opportunity, partner_id=opportunity.partner_id)
        commission.agreement, commission.deal_title = agreement, opportunity.title[:200]
        commission.amount, commission.currency = amount, currency
        commission.due_on = add_days(opportunity.won_on, agreement.payment_days)
        commission.full_clean()
        commission.save()
        return []
    commission = existing
    if commission is None:
        return []
    why = "no longer won" if not won else "no longer a partner-sourced deal under a commission agreement"
    if commission.status != Commission.Status.PAID:
        commission.delete()
        return [f"The deal is {why}: its commission of {formatting.money(commission.amount, commission.currency)} was removed."]
    if commission.deal_reversed:
        return []  # already flagged and told
    # Saved (not update()) so the commission's history shows when the deal left won (funds history page).
    commission.deal_reversed = True
    commission.save(update_fields=["deal_reversed", "updated_at"])
    message = (
        f"The deal \u201c{commission.deal_title}\u201d is {why}, but its commission of "
        f"{formatting.money(commission.amount, commission.currency)} to {commission.partner.name} was already paid "
        f"on {formatting.day(commission.paid_on)}. Accounting decides how to recover it."
    )
    notify(
        recipients=users_with_role(Role.ACCOUNTING),
        kind="commission_deal_reversed",
        title=f"Paid commission, deal {why}: {commission.partner.name}",
        body=message,
        url=commission.get_absolute_url(),
    )
    return [message]


DEAL_WON_HOOKS.append(commission_for_won_deal)


def _check(by: User) -> None:
    if not user_can(by, Action.MANAGE_ACCOUNTING):
        raise PermissionDenied("Only accounting and partner managers record commission payments.")


@transaction.atomic
def commission_mark_invoiced(*, commission_id: int, invoice_number: str, invoiced_on: date, by: User) -> Commission:
    _check(by)
    locked = Commission.objects.select_for_update().get(pk=commission_id)
    if locked.status != Commission.Status.OWED:
        raise ValidationError("Only an owed commission can be marked invoiced.")
    if not invoice_number.strip():
        raise ValidationError({"invoice_number": "Enter the partner's invoice number."})
    locked._history_user = by  # type: ignore[attr-defined]  # the history names who recorded it, outside a request too
    locked.status, locked.partner_invoice_number, locked.invoiced_on = (
        Commission.Status.INVOICED,
        invoice_number.strip(),
        invoiced_on,
    )
    locked.full_clean()
    locked.save(update_fields=["status", "partner_invoice_number", "invoiced_on", "updated_at"])
    return locked


@transaction.atomic
def commission_mark_paid(*, commission_id: int, paid_on: date, by: User) -> Commission:
    _check(by)
    locked = Commission.objects.select_for_update().get(pk=commission_id)
    if locked.status != Commission.Status.INVOICED:
        raise ValidationError("Only a commission the partner has invoiced can be marked paid.")
    if locked.invoiced_on and paid_on < locked.invoiced_on:
        raise ValidationError({"paid_on": "The payment cannot be before the partner's invoice."})
    locked._history_user = by  # type: ignore[attr-defined]
    locked.status, locked.paid_on = Commission.Status.PAID, paid_on
    locked.full_clean()
    locked.save(update_fields=["status", "paid_on", "updated_at"])
    return locked


# --- Reads ----------------------------------------------------------------------------------------


def commission_list(*, status: str = "", partner_id: int | None = None, overdue_on: date | None = None) -> QuerySet[Commission]:
    queryset = Commission.objects.select_related("partner", "agreement")
    if status in Commission.Status.values:
        queryset = queryset.filter(status=status)
    if partner_id:
        queryset = queryset.filter(partner_id=partner_id)
    if overdue_on:
        queryset = queryset.filter(status__in=Commission.OPEN_STATUSES, due_on__lt=overdue_on)
    return queryset.order_by("due_on", "id")


def commission_history(*, params: QueryDict | dict, request: HttpRequest | None = None) -> tuple[Any, QuerySet]:
    """Every recorded change of every commission, newest first (its HistoricalRecords), filtered by
    partner, status after the change and the day of the change; each row carries the status and the
    "deal no longer won" flag before the change (two subqueries, so the page stays at one query)."""
    historical = Commission.history.model
    before = historical.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id")).order_by("-history_id")
    queryset = (
        historical.objects.select_related("partner", "history_user")
        .annotate(
            status_before=Subquery(before.values("status")[:1]),
            reversed_before=Subquery(before.values("deal_reversed")[:1]),
        )
        .order_by("-history_date", "-history_id")
    )
    filterset = CommissionHistoryFilter(params, queryset=queryset, request=request)
    return filterset, filterset.qs if filterset.is_valid() else queryset.none()


STATUS_LABELS = dict(Commission.Status.choices)


def history_event(row: Any) -> str:
    """What one history row records, in words: created owed, a status move, the deal leaving won, removed."""
    if row.history_type == "+":
        return f"Created: {STATUS_LABELS.get(row.status, row.status).lower()}"
    if row.history_type == "-":
        return "Removed (the deal left won before it was paid)" if row.status != Commission.Status.PAID else "Removed"
    if row.status_before and row.status_before != row.status:
        return f"{STATUS_LABELS.get(row.status_before, row.status_before)} → {STATUS_LABELS.get(row.status, row.status)}"
    if row.deal_reversed and not row.reversed_before:
        return "Deal no longer won after payment"
    return "Changed (amount or due date follow the won deal)"


def overdue_commissions(*, today: date) -> QuerySet[Commission]:
    return Commission.objects.filter(status__in=Commission.OPEN_STATUSES, due_on__lt=today).select_related("partner__manager")


# --- Reminder: commissions overdue -----------------------------------------------------------------


@reminder("commission_overdue", label="Commissions overdue")
def commission_overdue(today: date) -> Iterator[DueReminder]:
    """Commissions owed or invoiced past their due date: to accounting and the partner manager, weekly
    (the same rhythm as overdue VSHN invoices)."""
    accounting = users_with_role(Role.ACCOUNTING)
    yield from each(overdue_commissions(today=today), lambda commission: _overdue_reminder(commission, today, accounting))


def _overdue_reminder(commission: Commission, today: date, accounting: list[User]) -> DueReminder:
    partner = commission.partner
    days = (today - commission.due_on).days
    state = (
        f"invoiced as {commission.partner_invoice_number}"
        if commission.status == Commission.Status.INVOICED
        else "not yet invoiced"
    )
    return DueReminder(
        obj=commission,
        due_key=overdue_week_key(commission.due_on, today),
        recipients=[*accounting, partner.manager],
        title=f"Commission to {partner.name} is {days} day{'s' if days != 1 else ''} overdue",
        body=(
            f"The referral commission of {formatting.money(commission.amount, commission.currency)} for "
            f"\u201c{commission.deal_title}\u201d was due on {formatting.day(commission.due_on)} ({state})."
        ),
        url=commission.get_absolute_url(),
        partner=partner.name,
    )

"""Writes for funds. The claim lifecycle is an explicit state machine: only the moves in
TRANSITIONS, only by the roles in TRANSITION_ACTIONS, each under a row lock and recorded with who
and when. Every write validates the model (constraints included) before saving.

Permissions (CONTRIBUTING.md, "The service convention"): the views check who may use each page with
@action_required; these services check only the role of a state move (TRANSITION_ACTIONS).
"""

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import date_format

from activities.models import Campaign
from partnerhub import formatting
from partnerhub.races import save_checked
from partnerhub.roles import Action, user_can
from partners.models import Partner

from .models import FundAllocation, FundClaim, Invoice, ProofDocument

Status = FundClaim.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.SUBMITTED}),
    Status.SUBMITTED: frozenset({Status.APPROVED, Status.REJECTED}),
    Status.APPROVED: frozenset({Status.PROOF_SUBMITTED}),
    Status.PROOF_SUBMITTED: frozenset({Status.INVOICED}),
    Status.INVOICED: frozenset({Status.PAID}),
    Status.REJECTED: frozenset(),
    Status.PAID: frozenset(),
}

# Who may move a claim into each state (docs/design.md's role table): marketing and partner managers
# handle claims, partner managers issue VSHN invoices, accounting marks them paid.
TRANSITION_ACTIONS: dict[str, Action] = {
    Status.SUBMITTED: Action.MANAGE_CAMPAIGNS,
    Status.APPROVED: Action.MANAGE_CAMPAIGNS,
    Status.REJECTED: Action.MANAGE_CAMPAIGNS,
    Status.PROOF_SUBMITTED: Action.MANAGE_CAMPAIGNS,
    Status.INVOICED: Action.MANAGE_PARTNERS,
    Status.PAID: Action.MANAGE_ACCOUNTING,
}

# Proof documents and the checklist can be added until the proof is handed in.
PROOF_EDITABLE_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.APPROVED)


def _require(user: User, action: Action) -> None:
    if not user_can(user, action):
        raise PermissionDenied


def _who(user: User | None) -> str:
    if user is None:
        return "someone"
    return user.get_full_name() or user.get_username()


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "j M Y H:i") if moment else ""


def _already_moved_message(claim: FundClaim, target: str) -> str:
    """Why a move is refused, in words, including who got there first in a race."""
    if claim.status == target == Status.APPROVED or (
        claim.status == Status.REJECTED and target in (Status.APPROVED, Status.REJECTED)
    ):
        verb = "approved" if claim.status == Status.APPROVED else "rejected"
        return f"This claim was already {verb} by {_who(claim.decided_by)} on {_when(claim.decided_at)}."
    if claim.status == target == Status.SUBMITTED:
        return f"This claim was already submitted by {_who(claim.submitted_by)} on {_when(claim.submitted_at)}."
    return f"A claim that is {claim.get_status_display().lower()} cannot be moved to {Status(target).label.lower()}."


def _lock_claim(claim_id: int) -> FundClaim:
    # Only the claim row is locked and only the (never null) allocation is joined: on PostgreSQL a
    # row re-read after waiting for the lock keeps the joined columns of the old snapshot, so who
    # decided is loaded afterwards, fresh (the message "already approved by X" must name the winner).
    return FundClaim.objects.select_for_update(of=("self",)).select_related("allocation").get(pk=claim_id)


def _transition(claim: FundClaim, target: str, by: User) -> None:
    """Check the move and the role; the caller holds the claim's row lock."""
    _require(by, TRANSITION_ACTIONS[target])
    if target not in TRANSITIONS[claim.status]:
        raise ValidationError(_already_moved_message(claim, target))
    claim.status = target


def _save(instance, update_fields: list[str] | None = None) -> None:
    instance.full_clean()
    instance.save(update_fields=update_fields)


# --- Allocations ---------------------------------------------------------------------------------


@transaction.atomic
def fund_allocation_create(
    *,
    partner: Partner,
    kind: str,
    period_label: str,
    period_start: date,
    period_end: date,
    amount: Decimal,
    currency: str,
    claim_deadline_days: int,
    tool_name: str = "",
    tool_reference: str = "",
    tool_url: str = "",
    notes: str = "",
    by: User,
) -> FundAllocation:
    fields = {
        "partner": partner,
        "kind": kind,
        "period_label": period_label,
        "period_start": period_start,
        "period_end": period_end,
        "amount": amount,
        "currency": currency,
        "claim_deadline_days": claim_deadline_days,
        "tool_name": tool_name,
        "tool_reference": tool_reference,
        "tool_url": tool_url,
        "notes": notes,
    }
    allocation = FundAllocation(created_by=by, **fields)
    _save(allocation)
    return allocation


@transaction.atomic
def fund_allocation_update(
    *,
    allocation_id: int,
    partner: Partner,
    kind: str,
    period_label: str,
    period_start: date,
    period_end: date,
    amount: Decimal,
    currency: str,
    claim_deadline_days: int,
    tool_name: str = "",
    tool_reference: str = "",
    tool_url: str = "",
    notes: str = "",
    by: User,
) -> FundAllocation:
    fields = {
        "partner": partner,
        "kind": kind,
        "period_label": period_label,
        "period_start": period_start,
        "period_end": period_end,
        "amount": amount,
        "currency": currency,
        "claim_deadline_days": claim_deadline_days,
        "tool_name": tool_name,
        "tool_reference": tool_reference,
        "tool_url": tool_url,
        "notes": notes,
    }
    allocation = FundAllocation.objects.select_for_update().get(pk=allocation_id)
    committed = fund_allocation_committed(allocation=allocation)
    for name, value in fields.items():
        setattr(allocation, name, value)
    if allocation.claims.exclude(currency=allocation.currency).exists():
        raise ValidationError({"currency": "The currency cannot change while the allocation has claims in another currency."})
    if allocation.amount is not None and allocation.amount < committed:
        raise ValidationError(
            {
                "amount": f"Claims of {formatting.money(committed, allocation.currency)} are already approved; the allocation cannot be smaller."
            }
        )
    _save(allocation)
    # The stored claim deadlines follow a changed deadline rule.
    # allocation_id too: the related manager reads it on every row (a query per claim if deferred).
    claims = list(allocation.claims.only("pk", "allocation_id", "activity_end", "claim_deadline"))
    for claim in claims:
        claim.claim_deadline = FundClaim.derive_claim_deadline(claim.activity_end, allocation.claim_deadline_days)
    FundClaim.objects.bulk_update(claims, ["claim_deadline"], batch_size=500)
    return allocation


def fund_allocation_committed(*, allocation: FundAllocation, exclude_claim_id: int | None = None) -> Decimal:
    """The approved amounts of claims that use up the allocation."""
    claims = FundClaim.objects.filter(allocation=allocation, status__in=FundClaim.COMMITTED_STATUSES)
    if exclude_claim_id:
        claims = claims.exclude(pk=exclude_claim_id)
    return claims.aggregate(total=Sum("approved_amount"))["total"] or Decimal("0")


def fund_allocation_remaining(*, allocation: FundAllocation, exclude_claim_id: int | None = None) -> Decimal:
    return allocation.amount - fund_allocation_committed(allocation=allocation, exclude_claim_id=exclude_claim_id)


def fund_claim_over_remaining(
    *, allocation: FundAllocation, requested_amount: Decimal | None, exclude_claim_id: int | None = None
) -> Decimal | None:
    """What is left of the allocation when the claim asks for more (the partner is likely to refuse it), else None."""
    if requested_amount is None:
        return None
    remaining = fund_allocation_remaining(allocation=allocation, exclude_claim_id=exclude_claim_id)
    return remaining if requested_amount > remaining else None


def over_remaining_warning(*, allocation: FundAllocation, requested_amount: Decimal, remaining: Decimal) -> str:
    """The warning in words, shown before a claim above what is left is saved or submitted."""
    return (
        f"This claim asks for {formatting.money(requested_amount, allocation.currency)}, but only "
        f"{formatting.money(remaining, allocation.currency)} is left of the allocation {allocation.short_name}: "
        "the partner is likely to refuse it at approval."
    )


# --- Claims --------------------------------------------------------------------------------------


@transaction.atomic
def fund_claim_create(
    *,
    allocation: FundAllocation,
    campaign: Campaign | None,
    title: str,
    activity_start: date,
    activity_end: date,
    requested_amount: Decimal,
    currency: str,
    description: str = "",
    by: User,
) -> FundClaim:
    fields = {
        "allocation": allocation,
        "campaign": campaign,
        "title": title,
        "activity_start": activity_start,
        "activity_end": activity_end,
        "requested_amount": requested_amount,
        "currency": currency,
        "description": description,
    }
    claim = FundClaim(created_by=by, status=Status.DRAFT, **fields)
    _save(claim)
    return claim


@transaction.atomic
def fund_claim_update(
    *,
    claim_id: int,
    allocation: FundAllocation,
    campaign: Campaign | None,
    title: str,
    activity_start: date,
    activity_end: date,
    requested_amount: Decimal,
    currency: str,
    description: str = "",
    by: User,
) -> FundClaim:
    """Only a draft can be edited: after submission the partner's tool holds the claim as filed."""
    fields = {
        "allocation": allocation,
        "campaign": campaign,
        "title": title,
        "activity_start": activity_start,
        "activity_end": activity_end,
        "requested_amount": requested_amount,
        "currency": currency,
        "description": description,
    }
    claim = _lock_claim(claim_id)
    if claim.status != Status.DRAFT:
        raise ValidationError(f"Only a draft claim can be edited; this one is {claim.get_status_display().lower()}.")
    for name, value in fields.items():
        setattr(claim, name, value)
    _save(claim)
    return claim


@transaction.atomic
def fund_claim_submit(*, claim_id: int, tool_reference: str, by: User) -> FundClaim:
    claim = _lock_claim(claim_id)
    _transition(claim, Status.SUBMITTED, by)
    tool_reference = (tool_reference or "").strip()
    if not tool_reference:
        raise ValidationError({"tool_reference": "Enter the claim's reference in the partner's tool."})
    claim.tool_reference = tool_reference
    claim.submitted_at, claim.submitted_by = timezone.now(), by
    _save(claim)
    return claim


@transaction.atomic
def fund_claim_approve(*, claim_id: int, approved_amount: Decimal, by: User) -> FundClaim:
    claim = _lock_claim(claim_id)
    _transition(claim, Status.APPROVED, by)
    # Lock the allocation too: two claims approved at once must not both take the last of it.
    allocation = FundAllocation.objects.select_for_update().get(pk=claim.allocation_id)
    if approved_amount is None or approved_amount <= 0:
        raise ValidationError({"approved_amount": "The approved amount must be greater than zero; reject the claim instead."})
    if approved_amount > claim.requested_amount:
        raise ValidationError(
            {
                "approved_amount": f"The approved amount cannot be above the requested amount ({formatting.money(claim.requested_amount, claim.currency)})."
            }
        )
    remaining = fund_allocation_remaining(allocation=allocation, exclude_claim_id=claim.pk)
    if approved_amount > remaining:
        raise ValidationError(
            {
                "approved_amount": f"Only {formatting.money(remaining, allocation.currency)} is left of the allocation {allocation.short_name}."
            }
        )
    claim.approved_amount = approved_amount
    claim.decided_at, claim.decided_by = timezone.now(), by
    _save(claim)
    return claim


@transaction.atomic
def fund_claim_reject(*, claim_id: int, reason: str, by: User) -> FundClaim:
    claim = _lock_claim(claim_id)
    _transition(claim, Status.REJECTED, by)
    claim.rejection_reason = (reason or "").strip()
    claim.decided_at, claim.decided_by = timezone.now(), by
    _save(claim)
    return claim


@transaction.atomic
def fund_claim_set_checklist(*, claim_id: int, checklist: dict[str, bool], by: User) -> FundClaim:
    claim = _lock_claim(claim_id)
    if claim.status not in PROOF_EDITABLE_STATUSES:
        raise ValidationError(f"The proof checklist of a claim that is {claim.get_status_display().lower()} cannot change.")
    for name in FundClaim.PROOF_CHECKLIST:
        setattr(claim, name, bool(checklist.get(name)))
    _save(claim)
    return claim


@transaction.atomic
def proof_document_add(*, claim_id: int, file: UploadedFile, description: str, by: User) -> ProofDocument:
    claim = _lock_claim(claim_id)
    if claim.status not in PROOF_EDITABLE_STATUSES:
        raise ValidationError(f"Proof cannot be added to a claim that is {claim.get_status_display().lower()}.")
    document = ProofDocument(claim=claim, file=file, description=(description or "").strip(), uploaded_by=by)
    _save(document)
    return document


@transaction.atomic
def fund_claim_submit_proof(*, claim_id: int, by: User) -> FundClaim:
    claim = _lock_claim(claim_id)
    _transition(claim, Status.PROOF_SUBMITTED, by)
    if not claim.checklist_complete and not claim.proof_documents.exists():
        raise ValidationError("Upload at least one proof document or tick every item of the proof checklist first.")
    claim.proof_submitted_at, claim.proof_submitted_by = timezone.now(), by
    _save(claim)
    return claim


# --- Invoices ------------------------------------------------------------------------------------


@transaction.atomic
def invoice_create(
    *, claim_id: int, number: str, issued_on: date, by: User, due_on: date | None = None, amount: Decimal | None = None
) -> Invoice:
    """Issue the VSHN invoice for a proven claim; the claim becomes invoiced in the same transaction."""
    claim = _lock_claim(claim_id)
    _transition(claim, Status.INVOICED, by)
    invoice = Invoice(
        claim=claim,
        number=(number or "").strip(),
        issued_on=issued_on,
        due_on=due_on or Invoice.default_due_on(issued_on),
        amount=claim.approved_amount if amount is None else amount,
        currency=claim.currency,
        created_by=by,
    )
    invoice.full_clean()
    save_checked(invoice)  # the same number issued for another claim at the same moment: the form error
    claim.invoiced_at = timezone.now()
    _save(claim)
    return invoice


@transaction.atomic
def invoice_mark_paid(*, invoice_id: int, paid_on: date, by: User) -> Invoice:
    # Lock the invoice: two people marking it paid at once get one payment and one clear error.
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)  # paid_by is read after the lock, fresh
    if invoice.paid_on is not None:
        raise ValidationError(
            f"Invoice {invoice.number} was already marked paid on {formatting.day(invoice.paid_on)} by {_who(invoice.paid_by)}."
        )
    if paid_on is None:
        raise ValidationError({"paid_on": "Enter the payment date."})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": "The payment date cannot be in the future."})
    claim = _lock_claim(invoice.claim_id)
    _transition(claim, Status.PAID, by)
    invoice.paid_on, invoice.paid_by = paid_on, by
    _save(invoice)
    claim.paid_at = timezone.now()
    _save(claim)
    return invoice

"""Funds reminders (docs/design.md): claim deadlines and overdue VSHN invoices.

Both sweeps are bulk: one query for the due objects (with partner and manager joined) and one for
the accounting group, whatever the number of claims or invoices.
"""

from collections.abc import Iterator
from datetime import date

from partnerhub import formatting
from partnerhub.reminders import DueReminder, each, reminder
from partnerhub.roles import Role, users_with_role

from . import selectors

# An overdue invoice is reminded the day after its due date, then once a week while unpaid.
OVERDUE_REMINDER_INTERVAL_DAYS = 7


def overdue_week_key(due_on: date, today: date) -> str:
    """ "w0" from the day after the due date, "w1" a week later, ... A missed week catches up with
    the current one (not every missed week), and each week's reminder goes out once."""
    return f"w{(today - due_on).days // OVERDUE_REMINDER_INTERVAL_DAYS}"


@reminder("fund_claim_deadline", label="Fund claims to file")
def fund_claim_deadline(today: date) -> Iterator[DueReminder]:
    """A draft claim (not yet filed in the partner's tool) whose deadline is within 14 days."""
    claims = selectors.claim_deadlines_soon(today=today).only(
        "pk",
        "title",
        "claim_deadline",
        "requested_amount",
        "currency",
        "activity_end",
        "allocation__period_label",
        "allocation__kind",
        "allocation__tool_name",
        "allocation__partner__name",
        "allocation__partner__slug",
        "allocation__partner__manager",
    )
    yield from each(claims, _claim_deadline_reminder)


def _claim_deadline_reminder(claim) -> DueReminder:
    partner = claim.allocation.partner
    return DueReminder(
        obj=claim,
        due_key=claim.claim_deadline.isoformat(),
        recipients=[partner.manager],
        title=f'File the fund claim "{claim.title}" ({partner.name}) by {formatting.day(claim.claim_deadline)}',
        body=(
            f"The claim of {formatting.money(claim.requested_amount, claim.currency)} against {partner.name}'s "
            f"{claim.allocation.kind.upper()} {claim.allocation.period_label} allocation is still a draft. "
            f"Submit it in {claim.allocation.tool_name or 'the partner tool'} by {formatting.day(claim.claim_deadline)}, "
            f"or the funds for this activity are lost."
        ),
        url=claim.get_absolute_url(),
        partner=partner.name,
    )


@reminder("invoice_overdue", label="Invoices overdue")
def invoice_overdue(today: date) -> Iterator[DueReminder]:
    """Unpaid VSHN invoices past their due date: to accounting and the partner manager, weekly."""
    accounting = users_with_role(Role.ACCOUNTING)
    invoices = selectors.overdue_invoices(today=today).select_related("claim__allocation__partner__manager")
    yield from each(invoices, lambda invoice: _overdue_reminder(invoice, today, accounting))


def _overdue_reminder(invoice, today: date, accounting) -> DueReminder:
    partner = invoice.claim.allocation.partner
    days = (today - invoice.due_on).days
    return DueReminder(
        obj=invoice,
        due_key=overdue_week_key(invoice.due_on, today),
        recipients=[*accounting, partner.manager],
        title=f"Invoice {invoice.number} to {partner.name} is {days} day{'s' if days != 1 else ''} overdue",
        body=(
            f"VSHN invoice {invoice.number} of {formatting.money(invoice.amount, invoice.currency)} to {partner.name} "
            f'(claim "{invoice.claim.title}") was due on {formatting.day(invoice.due_on)} and is not marked paid.'
        ),
        url=invoice.get_absolute_url(),
        partner=partner.name,
    )

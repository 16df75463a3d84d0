"""CSV columns of the funds app's lists (the selectors in selectors.py and commissions.py give the rows)."""

from datetime import date
from decimal import Decimal
from typing import Any

from partnerhub import formatting
from partnerhub.csv_export import Column, CsvColumns

from . import commissions
from .models import Commission, FundAllocation, FundClaim, Invoice


def _money(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:.2f}"


def _invoice(claim: FundClaim) -> Invoice | None:
    return getattr(claim, "invoice", None)


def _invoice_state(invoice: Invoice, today: date) -> str:
    if invoice.paid_on:
        return "paid"
    return "overdue" if invoice.is_overdue(today) else "open"


ALLOCATION_COLUMNS: CsvColumns[FundAllocation] = CsvColumns(
    Column("Partner", lambda a: a.partner.name),
    Column("Kind", lambda a: a.get_kind_display()),
    Column("Period", lambda a: a.period_label),
    Column("Start", lambda a: a.period_start),
    Column("End", lambda a: a.period_end),
    Column("Currency", lambda a: a.currency),
    Column("Allocated", lambda a: _money(a.amount)),
    # The totals are annotated by selectors.fund_allocation_list.
    Column("Approved", lambda a: _money(a.approved_total)),  # type: ignore[attr-defined]
    Column("Invoiced", lambda a: _money(a.invoiced_total)),  # type: ignore[attr-defined]
    Column("Paid", lambda a: _money(a.paid_total)),  # type: ignore[attr-defined]
    Column("Remaining", lambda a: _money(a.amount - a.approved_total)),  # type: ignore[attr-defined]
    Column("Partner tool", lambda a: a.tool_name),
    Column("Tool reference", lambda a: a.tool_reference),
    Column("Claim deadline (days)", lambda a: a.claim_deadline_days),
)

CLAIM_COLUMNS: CsvColumns[FundClaim] = CsvColumns(
    Column("Title", lambda c: c.title),
    Column("Partner", lambda c: c.allocation.partner.name),
    Column("Allocation", lambda c: c.allocation.short_name),
    Column("Campaign", lambda c: c.campaign.title if c.campaign else ""),
    Column("Status", lambda c: c.get_status_display()),
    Column("Activity start", lambda c: c.activity_start),
    Column("Activity end", lambda c: c.activity_end),
    Column("Claim deadline", lambda c: c.claim_deadline),
    Column("Currency", lambda c: c.currency),
    Column("Requested", lambda c: _money(c.requested_amount)),
    Column("Approved", lambda c: _money(c.approved_amount)),
    Column("Partner tool reference", lambda c: c.tool_reference),
    Column("Invoice", lambda c: invoice.number if (invoice := _invoice(c)) else ""),
    Column("Invoice due", lambda c: invoice.due_on if (invoice := _invoice(c)) else ""),
    Column("Paid on", lambda c: invoice.paid_on if (invoice := _invoice(c)) else ""),
)


def invoice_columns(*, today: date) -> CsvColumns[Invoice]:
    """Invoices and the accounting export: the State column depends on the day."""
    return CsvColumns(
        Column("Number", lambda i: i.number),
        Column("Partner", lambda i: i.claim.allocation.partner.name),
        Column("Claim", lambda i: i.claim.title),
        Column("Issued on", lambda i: i.issued_on),
        Column("Due on", lambda i: i.due_on),
        Column("Currency", lambda i: i.currency),
        Column("Amount", lambda i: _money(i.amount)),
        Column("Paid on", lambda i: i.paid_on or ""),
        Column("Marked paid by", lambda i: i.paid_by),
        Column("State", lambda i: _invoice_state(i, today)),
    )


def commission_columns(*, today: date) -> CsvColumns[Commission]:
    """Commissions: dates in Swiss format, as the commission list shows them; Overdue depends on the day."""
    return CsvColumns(
        Column("Partner", lambda c: c.partner.name),
        Column("Deal", lambda c: c.deal_title),
        Column("Amount", lambda c: c.amount),
        Column("Currency", lambda c: c.currency),
        Column("Due", lambda c: formatting.day(c.due_on)),
        Column("Status", lambda c: c.get_status_display()),
        Column("Overdue", lambda c: "yes" if c.is_overdue(today) else ""),
        Column("Partner invoice", lambda c: c.partner_invoice_number),
        Column("Invoiced on", lambda c: formatting.day(c.invoiced_on)),
        Column("Paid on", lambda c: formatting.day(c.paid_on)),
        Column("Deal no longer won", lambda c: "yes" if c.deal_reversed else ""),
    )


# Rows are Commission.history records (commissions.commission_history), with the partner joined.
COMMISSION_HISTORY_COLUMNS: CsvColumns[Any] = CsvColumns(
    Column("Changed", lambda row: formatting.csv_datetime(row.history_date)),
    Column("By", lambda row: formatting.person(row.history_user) or "PartnerHub"),
    Column("Partner", lambda row: row.partner.name if row.partner else ""),
    Column("Deal", lambda row: row.deal_title),
    Column("Change", lambda row: commissions.history_event(row)),
    Column("Status", lambda row: row.get_status_display()),
    Column("Amount", lambda row: row.amount),
    Column("Currency", lambda row: row.currency),
    Column("Due", lambda row: formatting.day(row.due_on)),
    Column("Partner invoice", lambda row: row.partner_invoice_number),
    Column("Invoiced on", lambda row: formatting.day(row.invoiced_on)),
    Column("Paid on", lambda row: formatting.day(row.paid_on)),
)

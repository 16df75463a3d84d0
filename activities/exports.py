"""CSV columns of the activities app's lists (the selectors in selectors.py give the rows)."""

from datetime import date

from partnerhub.csv_export import Column, CsvColumns, yes_no
from partners.models import Partner

from .models import Activity, Campaign, DealRegistration, Opportunity, Task
from .selectors import SyncStatus


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


ACTIVITY_COLUMNS: CsvColumns[Activity] = CsvColumns(
    Column("Date", lambda a: a.occurred_on.isoformat()),
    Column("Partner", lambda a: a.partner.name),
    Column("Kind", lambda a: a.get_kind_display()),
    Column("Subject", lambda a: a.subject),
    Column("Author", lambda a: a.author),
    Column("Follow-up", lambda a: _iso(a.follow_up_on)),
    Column("Follow-up done", lambda a: yes_no(a.follow_up_done)),
    Column("Notes", lambda a: a.notes),
)

SYNC_MEETING_COLUMNS: CsvColumns[tuple[Partner, SyncStatus]] = CsvColumns(
    Column("Partner", lambda row: row[0].name),
    Column("Partner manager", lambda row: row[0].manager),
    Column("Cadence", lambda row: row[0].get_sync_cadence_display()),
    Column("Last sync meeting", lambda row: _iso(row[1].last_sync)),
    Column("Next due", lambda row: _iso(row[1].next_due)),
    Column("Days overdue", lambda row: row[1].overdue_days),
)

OPPORTUNITY_COLUMNS: CsvColumns[Opportunity] = CsvColumns(
    Column("Partner", lambda o: o.partner.name),
    Column("End customer", lambda o: o.end_customer),
    Column("Title", lambda o: o.title),
    Column("Value", lambda o: o.value),
    Column("Currency", lambda o: o.currency),
    Column("Stage", lambda o: o.get_stage_display()),
    Column("Expected close", lambda o: _iso(o.expected_close)),
    Column("Owner", lambda o: o.owner),
)

REGISTRATION_COLUMNS: CsvColumns[DealRegistration] = CsvColumns(
    Column("Partner", lambda r: r.partner.name),
    Column("Registration ID", lambda r: r.registration_id),
    Column("Customer", lambda r: r.customer),
    Column("Products", lambda r: r.products),
    Column("Value", lambda r: r.value),
    Column("Currency", lambda r: r.currency),
    Column("Status", lambda r: r.get_status_display()),
    Column("Submitted", lambda r: r.submitted_at),
    Column("Expires", lambda r: _iso(r.expires_on)),
    Column("Owner", lambda r: r.owner),
)

CAMPAIGN_COLUMNS: CsvColumns[Campaign] = CsvColumns(
    Column("Title", lambda c: c.title),
    Column("Kind", lambda c: c.get_kind_display()),
    Column("Partners", lambda c: "; ".join(p.name for p in c.partners.all())),
    Column("Status", lambda c: c.get_status_display()),
    Column("Starts", lambda c: c.starts_on.isoformat()),
    Column("Ends", lambda c: _iso(c.ends_on)),
    Column("Quarter", lambda c: c.quarter),
    Column("Budget", lambda c: c.budget),
    Column("Currency", lambda c: c.currency),
    Column("Leads", lambda c: c.leads),
    Column("Attendees", lambda c: c.attendees),
    Column("Brand checked by", lambda c: c.brand_checked_by),
    Column("Brand checked at", lambda c: c.brand_checked_at),
    Column("PR guidelines approved", lambda c: yes_no(c.pr_guidelines_approved)),
)

TASK_COLUMNS: CsvColumns[Task] = CsvColumns(
    Column("Task", lambda t: t.title),
    Column("Partner", lambda t: t.partner.name),
    Column("Assigned to", lambda t: t.assignee),
    Column("Due", lambda t: _iso(t.due_on)),
    Column("Status", lambda t: "done" if t.done_at else "open"),
    Column("Done at", lambda t: t.done_at),
    Column("Done by", lambda t: t.done_by or ""),
    Column("Notes", lambda t: t.notes),
)

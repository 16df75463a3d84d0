"""CSV columns of the partners app's lists (the selectors in selectors.py give the rows)."""

from partnerhub.csv_export import Column, CsvColumns, yes_no

from .models import Collateral, Contact, Partner

PARTNER_COLUMNS: CsvColumns[Partner] = CsvColumns(
    Column("Name", lambda p: p.name),
    Column("Types", lambda p: "; ".join(t.name for t in p.types.all())),
    Column("Stage", lambda p: p.get_stage_display()),
    Column("Partner manager", lambda p: p.manager),
    Column("Program level", lambda p: p.program_level),
    Column("Sync cadence", lambda p: p.get_sync_cadence_display()),
    Column("Website", lambda p: p.website),
    Column("Markets", lambda p: p.markets),
    Column("Archived", lambda p: yes_no(p.archived)),
)

CONTACT_COLUMNS: CsvColumns[Contact] = CsvColumns(
    Column("Partner", lambda c: c.partner.name),
    Column("First name", lambda c: c.first_name),
    Column("Last name", lambda c: c.last_name),
    Column("Job title", lambda c: c.job_title),
    Column("Stakeholder role", lambda c: c.get_stakeholder_role_display()),
    Column("Email", lambda c: c.email),
    Column("Phone", lambda c: c.phone),
    Column("Primary", lambda c: yes_no(c.is_primary)),
    Column("Active", lambda c: yes_no(c.is_active)),
)

COLLATERAL_COLUMNS: CsvColumns[Collateral] = CsvColumns(
    Column("Partner", lambda c: c.partner.name),
    Column("Kind", lambda c: c.get_kind_display()),
    Column("Title", lambda c: c.title),
    Column("Version", lambda c: c.version),
    Column("Language", lambda c: c.get_language_display()),
    Column("Valid until", lambda c: c.valid_until),
    Column("Expired", lambda c: yes_no(c.is_expired)),
    Column("Campaign", lambda c: c.campaign.title if c.campaign else ""),
    Column("Made by VSHN", lambda c: yes_no(c.made_by_vshn)),
    Column("Brand-checked by", lambda c: c.brand_checked_by or ""),
    Column("Uploaded by", lambda c: c.uploaded_by or ""),
)

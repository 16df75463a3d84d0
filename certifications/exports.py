"""CSV columns of the certifications app's lists (the selectors in selectors.py give the rows)."""

from collections.abc import Iterable, Iterator
from datetime import date

from partnerhub.csv_export import Column, CsvColumns, yes_no

from .compliance import STATUS_LABELS, LevelCompliance, RequirementCompliance
from .models import Certification, Holding
from .selectors import OverviewRow


def _date(value: date | None) -> str:
    return value.isoformat() if value else ""


# One CSV line per (partner, level, requirement) of the compliance overview.
ComplianceLine = tuple[OverviewRow, LevelCompliance, RequirementCompliance]


def compliance_lines(rows: Iterable[OverviewRow]) -> Iterator[ComplianceLine]:
    for row in rows:
        for lc in row.compliance.levels:
            for rc in lc.requirements:
                yield row, lc, rc


def _holders(rc: RequirementCompliance) -> str:
    return "; ".join(
        f"{h.holder.get_username()} ({h.certification.code}, until {_date(h.expires_on) or 'no expiry'})" for h in rc.holdings
    )


def compliance_columns(*, on: date) -> CsvColumns[ComplianceLine]:
    """The overview's columns; one header names the date the overview looks at."""
    return CsvColumns(
        Column("Partner", lambda line: line[0].partner.name),
        Column("Level", lambda line: line[1].level.name),
        Column("Held", lambda line: yes_no(line[0].held and line[0].held.level.pk == line[1].level.pk)),
        Column("Target", lambda line: yes_no(line[0].target and line[0].target.level.pk == line[1].level.pk)),
        Column("Requirement", lambda line: line[2].description),
        Column("Minimum holders", lambda line: line[2].requirement.min_holders),
        Column("Valid holders today", lambda line: line[2].holders_today),
        Column(f"Valid holders on {on.isoformat()}", lambda line: line[2].holders_on_date),
        Column("Status", lambda line: STATUS_LABELS[line[2].status]),
        Column("At-risk date", lambda line: _date(line[2].at_risk_date)),
        Column("Holders", lambda line: _holders(line[2])),
    )


CERTIFICATION_COLUMNS: CsvColumns[Certification] = CsvColumns(
    Column("Issuing partner", lambda c: c.partner.name),
    Column("Name", lambda c: c.name),
    Column("Code", lambda c: c.code),
    Column("Validity (months)", lambda c: c.validity_months or "no expiry"),
    Column("Link", lambda c: c.url),
    Column("Valid holders today", lambda c: c.valid_holders),  # type: ignore[attr-defined]  # annotated by the selector
)

HOLDING_COLUMNS: CsvColumns[Holding] = CsvColumns(
    Column("Person", lambda h: h.holder.get_username()),
    Column("Email", lambda h: h.holder.email),
    Column("Certification", lambda h: h.certification.name),
    Column("Code", lambda h: h.certification.code),
    Column("Issuing partner", lambda h: h.certification.partner.name),
    Column("Obtained on", lambda h: _date(h.obtained_on)),
    Column("Expires on", lambda h: _date(h.expires_on)),
    Column("Credential ID", lambda h: h.credential_id),
    Column("Verification URL", lambda h: h.verification_url),
)

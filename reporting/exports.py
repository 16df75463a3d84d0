"""CSV columns of the reporting app's lists (the selectors in selectors.py give the rows).

The overview and review tables (overview.py, review.py) compute their headers per table and pass
``table.header`` and ``table.rows`` to ``partnerhub.csv_export.csv_response`` directly.
"""

from decimal import Decimal

from partnerhub.csv_export import Column, CsvColumns
from partners.models import Partner

from .models import LicenseReport


def _amount(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


# total, previous_total and change are annotated by selectors.report_list.
REPORT_COLUMNS: CsvColumns[LicenseReport] = CsvColumns(
    Column("Partner", lambda r: r.partner.name),
    Column("Month", lambda r: f"{r.month:%Y-%m}"),
    Column("Status", lambda r: r.get_status_display()),
    Column("Due on", lambda r: r.due_on.isoformat()),
    Column("Currency", lambda r: r.currency),
    Column("Total", lambda r: f"{r.total:.2f}"),
    Column("Previous month", lambda r: _amount(r.previous_total)),
    Column("Change", lambda r: _amount(r.change)),
    Column("Submitted at", lambda r: r.submitted_at),
)

HEALTH_COLUMNS: CsvColumns[Partner] = CsvColumns(
    Column("Partner", lambda p: p.name),
    Column("Health", lambda p: p.get_health_display()),
    Column("Partner manager", lambda p: p.manager),
    Column("Reasons", lambda p: "; ".join(p.health_reasons)),
    Column("Checked at", lambda p: p.health_checked_at),
)

"""Joint-plan target actuals license reports give (partnerhub/targets.py)."""

from datetime import date

from django.db.models import Expression, OuterRef, Subquery, Sum

from partnerhub.targets import target_actual

from .models import LicenseReport

REPORTED = (LicenseReport.Status.SUBMITTED, LicenseReport.Status.ACKNOWLEDGED)


@target_actual("license_revenue")
def license_revenue(start: date, end: date, currency: str) -> Expression:
    """Totals of the submitted (or acknowledged) reports for the quarter's months in the currency."""
    rows = LicenseReport.objects.filter(
        partner_id=OuterRef("pk"), month__range=(start, end), currency=currency, status__in=REPORTED
    )
    return Subquery(rows.order_by().values("partner_id").annotate(v=Sum("total")).values("v")[:1])

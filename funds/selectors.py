"""Reads for funds: each page's query count is decided here.

Utilisation (allocated, approved, invoiced, paid, remaining) is annotated per allocation in one
query; totals are grouped by currency, never summed across currencies.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.models import Aggregate, Count, DecimalField, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from partnerhub.dates import first_of_month
from partnerhub.sorting import apply_sort

from .filters import FundAllocationFilter, FundClaimFilter, InvoiceFilter
from .models import FundAllocation, FundClaim, Invoice, ProofDocument


class UtilisationAnnotations(TypedDict):
    """What with_utilisation() adds to each allocation."""

    approved_total: Decimal
    invoiced_total: Decimal
    paid_total: Decimal


if TYPE_CHECKING:  # django-stubs-ext is a development requirement only
    from django_stubs_ext import WithAnnotations

    AllocationWithUtilisation = WithAnnotations[FundAllocation, UtilisationAnnotations]

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=14, decimal_places=2))
COMMITTED = Q(claims__status__in=FundClaim.COMMITTED_STATUSES)
CLAIM_DEADLINE_LEAD_DAYS = 14


@dataclass
class Utilisation:
    currency: str
    allocated: Decimal
    approved: Decimal
    invoiced: Decimal
    paid: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.allocated - self.approved

    def _pct(self, value: Decimal) -> int:
        if not self.allocated:
            return 0
        return max(0, min(100, round(value * 100 / self.allocated)))

    @property
    def approved_pct(self) -> int:
        return self._pct(self.approved)

    @property
    def invoiced_pct(self) -> int:
        return self._pct(self.invoiced)

    @property
    def paid_pct(self) -> int:
        return self._pct(self.paid)

    # Segments of one stacked bar: paid, then invoiced but unpaid, then approved but not invoiced.
    @property
    def invoiced_unpaid_pct(self) -> int:
        return max(0, self.invoiced_pct - self.paid_pct)

    @property
    def approved_uninvoiced_pct(self) -> int:
        return max(0, self.approved_pct - max(self.invoiced_pct, self.paid_pct))


def with_utilisation(queryset: QuerySet[FundAllocation]) -> "QuerySet[AllocationWithUtilisation]":
    """Annotate approved / invoiced / paid per allocation. Claims and invoices are one-to-one,
    so the two joins never multiply a sum."""
    return queryset.annotate(
        approved_total=Coalesce(Sum("claims__approved_amount", filter=COMMITTED), ZERO),
        invoiced_total=Coalesce(Sum("claims__invoice__amount"), ZERO),
        paid_total=Coalesce(Sum("claims__invoice__amount", filter=Q(claims__invoice__paid_on__isnull=False)), ZERO),
    )


def utilisation_of(allocation: "AllocationWithUtilisation") -> Utilisation:
    return Utilisation(
        allocation.currency, allocation.amount, allocation.approved_total, allocation.invoiced_total, allocation.paid_total
    )


def utilisation_totals(rows: Iterable[tuple[Any, ...]]) -> list[Utilisation]:
    """Per-currency totals from (currency, allocated, approved, invoiced, paid) rows."""
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal("0")] * 4)
    for currency, *amounts in rows:
        for index, amount in enumerate(amounts):
            totals[currency][index] += amount or Decimal("0")
    return [Utilisation(currency, *amounts) for currency, amounts in sorted(totals.items())]


ALLOCATION_SORTS: dict[str, tuple[str, ...]] = {
    "period": ("-period_start", "partner__name", "id"),
    "partner": ("partner__name", "-period_start", "id"),
    "amount": ("currency", "-amount", "id"),
}


def fund_allocation_list(*, params: dict | None = None, sort: str | None = None):
    base = with_utilisation(FundAllocation.objects.select_related("partner"))
    filterset = FundAllocationFilter(params or None, queryset=base)
    queryset, sort_key = apply_sort(filterset.qs, sort, ALLOCATION_SORTS, "period")
    return filterset, queryset, sort_key


def fund_allocation_totals(queryset: "QuerySet[AllocationWithUtilisation]") -> list[Utilisation]:
    """One query: the filtered allocations' utilisation summed per currency (in Python, so the
    allocated amount is never multiplied by the claims join)."""
    rows = queryset.order_by().values_list("currency", "amount", "approved_total", "invoiced_total", "paid_total")
    return utilisation_totals(rows)


def fund_allocation_detail(*, pk: int) -> FundAllocation:
    return with_utilisation(FundAllocation.objects.select_related("partner", "created_by")).get(pk=pk)


def fund_allocation_claims(*, allocation: FundAllocation) -> QuerySet[FundClaim]:
    return allocation.claims.select_related("invoice").order_by("-activity_start", "-id")


CLAIM_SORTS: dict[str, tuple[str, ...]] = {
    "activity": ("-activity_start", "-id"),
    "deadline": ("claim_deadline", "id"),
    "partner": ("allocation__partner__name", "-activity_start", "id"),
    "requested": ("currency", "-requested_amount", "id"),
    "status": ("status", "-activity_start", "id"),
}


def fund_claim_list(*, params: dict | None = None, sort: str | None = None):
    base = FundClaim.objects.select_related("allocation__partner", "invoice", "campaign")
    filterset = FundClaimFilter(params or None, queryset=base)
    queryset, sort_key = apply_sort(filterset.qs, sort, CLAIM_SORTS, "activity")
    return filterset, queryset, sort_key


def fund_claim_detail(*, pk: int) -> FundClaim:
    return (
        FundClaim.objects.select_related(
            "allocation__partner__manager",
            "campaign",
            "invoice__paid_by",
            "invoice__created_by",
            "created_by",
            "submitted_by",
            "decided_by",
            "proof_submitted_by",
        )
        .prefetch_related(Prefetch("proof_documents", queryset=ProofDocument.objects.select_related("uploaded_by")))
        .get(pk=pk)
    )


INVOICE_SORTS: dict[str, tuple[str, ...]] = {
    "issued": ("-issued_on", "-id"),
    "due": ("due_on", "id"),
    "number": ("number", "id"),
    "amount": ("currency", "-amount", "id"),
}


def invoice_list(*, params: dict | None = None, sort: str | None = None):
    base = Invoice.objects.select_related("claim__allocation__partner", "paid_by")
    filterset = InvoiceFilter(params or None, queryset=base)
    queryset, sort_key = apply_sort(filterset.qs, sort, INVOICE_SORTS, "issued")
    return filterset, queryset, sort_key


def unpaid_invoices() -> QuerySet[Invoice]:
    return Invoice.objects.filter(paid_on__isnull=True)


def overdue_invoices(*, today: date) -> QuerySet[Invoice]:
    return unpaid_invoices().filter(due_on__lt=today)


# Rows shown per group on the accounting page; the invoice list and the CSV have them all.
ACCOUNTING_GROUP_ROWS = 20


def accounting_overview(*, today: date, limit: int = ACCOUNTING_GROUP_ROWS) -> dict:
    """Open, overdue and paid-this-month invoices: the first `limit` of each (the CSV and the
    invoices list have them all), with counts and totals per currency summed by the database (4 queries)."""
    rows = Invoice.objects.select_related("claim__allocation__partner", "paid_by")
    this_month = Q(paid_on__gte=first_of_month(today), paid_on__lte=today)
    conditions = {
        "overdue": Q(paid_on__isnull=True, due_on__lt=today),
        "open": Q(paid_on__isnull=True, due_on__gte=today),
        "paid": this_month,
    }
    orders = {"overdue": ("due_on", "id"), "open": ("due_on", "id"), "paid": ("-paid_on", "-id")}
    aggregates: dict[str, Aggregate] = {}
    for name, condition in conditions.items():
        aggregates[f"{name}_total"] = Sum("amount", filter=condition)
        aggregates[f"{name}_count"] = Count("id", filter=condition)
    per_currency = (
        Invoice.objects.filter(Q(paid_on__isnull=True) | this_month)
        .values("currency")
        .annotate(**aggregates)
        .order_by("currency")
    )
    totals: dict[str, dict[str, Decimal]] = {name: {} for name in conditions}
    counts = dict.fromkeys(conditions, 0)
    # The aggregates' names are built above: the stubs know only the 'currency' key of these rows.
    for row in cast("Iterable[dict[str, Any]]", per_currency):
        for name in conditions:
            if row[f"{name}_count"]:
                totals[name][row["currency"]] = row[f"{name}_total"]
                counts[name] += row[f"{name}_count"]
    return {
        name: {
            "invoices": list(rows.filter(condition).order_by(*orders[name])[:limit]),
            "totals": totals[name],
            "count": counts[name],
            "limit": limit,
        }
        for name, condition in conditions.items()
    }


def accounting_rows(*, today: date):
    """Every invoice of the accounting page, for the CSV export."""
    return (
        Invoice.objects.select_related("claim__allocation__partner", "paid_by")
        .filter(Q(paid_on__isnull=True) | Q(paid_on__gte=first_of_month(today), paid_on__lte=today))
        .order_by("due_on", "id")
    )


def draft_claims_with_deadline_between(*, start: date, end: date) -> QuerySet[FundClaim]:
    """Draft claims (not yet filed in the partner's tool) whose claim deadline falls in the window."""
    return FundClaim.objects.select_related("allocation__partner__manager").filter(
        status=FundClaim.Status.DRAFT, claim_deadline__gte=start, claim_deadline__lte=end, allocation__partner__archived=False
    )


def claim_deadlines_soon(*, today: date, days: int = CLAIM_DEADLINE_LEAD_DAYS) -> QuerySet[FundClaim]:
    return draft_claims_with_deadline_between(start=today, end=today + timedelta(days=days))


def partner_funds(*, partner_id: int) -> dict:
    """The partner detail page's funds section: 2 queries whatever the history."""
    allocations = list(with_utilisation(FundAllocation.objects.filter(partner_id=partner_id)).order_by("-period_start", "id"))
    open_claims = list(
        FundClaim.objects.filter(allocation__partner_id=partner_id, status__in=FundClaim.OPEN_STATUSES)
        .select_related("allocation", "invoice")
        .order_by("claim_deadline", "id")[:20]
    )
    return {
        "allocations": [(allocation, utilisation_of(allocation)) for allocation in allocations],
        "totals": utilisation_totals(
            (a.currency, a.amount, a.approved_total, a.invoiced_total, a.paid_total) for a in allocations
        ),
        "open_claims": open_claims,
    }

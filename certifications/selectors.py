"""Reads for certifications: each page's query count is decided here."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from partnerhub.sorting import apply_sort
from partners.models import Partner

from .compliance import AT_RISK, MET, NOT_MET, LevelCompliance, PartnerCompliance, partner_compliance
from .filters import CertificationFilter, ComplianceOverviewFilter, HoldingFilter
from .models import Certification, Holding, PartnerProgramStatus, ProgramLevel

HOLDING_SORTS: dict[str, tuple[str, ...]] = {
    "expires": ("expires_on", "id"),
    "-expires": ("-expires_on", "-id"),
    "obtained": ("obtained_on", "id"),
    "-obtained": ("-obtained_on", "-id"),
    "holder": ("holder__username", "expires_on", "id"),
    "certification": ("certification__name", "expires_on", "id"),
}
CERTIFICATION_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "partner": ("partner__name", "name", "id"),
    "code": ("code", "id"),
    "holders": ("-valid_holders", "name", "id"),
}


def valid_on(day: date) -> Q:
    return Q(obtained_on__lte=day) & (Q(expires_on__isnull=True) | Q(expires_on__gte=day))


def not_superseded(queryset: QuerySet[Holding]) -> QuerySet[Holding]:
    """Drop holdings replaced by a newer holding of the same person and certification (a renewal)."""
    newer = Holding.objects.filter(
        holder_id=OuterRef("holder_id"), certification_id=OuterRef("certification_id"), obtained_on__gt=OuterRef("obtained_on")
    )
    return queryset.exclude(Exists(newer))


def certification_list(*, params=None, sort: str | None = None, today: date) -> tuple[CertificationFilter, QuerySet, str]:
    valid_today = (
        Q(holdings__obtained_on__lte=today)
        & (Q(holdings__expires_on__isnull=True) | Q(holdings__expires_on__gte=today))
        & Q(holdings__holder__is_active=True)
    )
    base = Certification.objects.select_related("partner").annotate(valid_holders=Count("holdings__holder", filter=valid_today, distinct=True))
    filterset = CertificationFilter(params or None, queryset=base)
    queryset, key = apply_sort(filterset.qs, sort, CERTIFICATION_SORTS, "partner")
    return filterset, queryset, key


def holding_list(*, params=None, sort: str | None = None, today: date, holder: User | None = None) -> tuple[HoldingFilter, QuerySet, str]:
    base = Holding.objects.select_related("holder", "certification", "certification__partner")
    if holder is not None:
        base = base.filter(holder=holder)
    filterset = HoldingFilter(params or None, queryset=base, today=today)
    queryset, key = apply_sort(filterset.qs, sort, HOLDING_SORTS, "expires")
    return filterset, queryset, key


@dataclass
class OverviewRow:
    partner: Partner
    status: PartnerProgramStatus | None
    compliance: PartnerCompliance

    @property
    def held(self) -> LevelCompliance | None:
        return self.compliance.level(self.status.held_level_id) if self.status else None

    @property
    def target(self) -> LevelCompliance | None:
        return self.compliance.level(self.status.target_level_id) if self.status else None

    @property
    def headline(self) -> LevelCompliance | None:
        """The level that decides the row's status: the one held, else the one aimed for."""
        return self.held or self.target

    @property
    def at_risk_date(self) -> date | None:
        return min((lc.at_risk_date for lc in self.compliance.levels if lc.at_risk_date), default=None)


def compliance_overview(*, params, user: User, today: date) -> tuple[ComplianceOverviewFilter, QuerySet[Partner], date, str | None]:
    """Every non-archived partner with a program, filtered; compliance is computed by `overview_rows`
    for just the rows shown (a page), so the overview's cost does not grow with the number of partners."""
    has_levels = Exists(ProgramLevel.objects.filter(partner_id=OuterRef("pk")))
    base = (
        Partner.objects.filter(has_levels, archived=False)
        .select_related("manager", "program_status__held_level", "program_status__target_level")
        .order_by("name", "pk")
    )
    filterset = ComplianceOverviewFilter(params or None, queryset=base, user=user)
    cleaned = filterset.form.cleaned_data if filterset.is_bound and filterset.form.is_valid() else {}
    on = cleaned.get("on") or today + timedelta(days=90)
    on = max(on, today)
    wanted = cleaned.get("status")
    return filterset, filterset.qs, on, wanted if wanted in (MET, AT_RISK, NOT_MET) else None


def overview_rows(partners, *, today: date, on: date, status: str | None = None) -> list[OverviewRow]:
    """Compliance rows for the given partners (four queries however many), optionally only one status."""
    partners = list(partners)
    compliance = partner_compliance([p.pk for p in partners], today=today, on=on)
    rows = [OverviewRow(partner=p, status=getattr(p, "program_status", None), compliance=compliance[p.pk]) for p in partners]
    if status:
        rows = [row for row in rows if row.headline is not None and row.headline.status == status]
    return rows


def partner_program_status(partner: Partner) -> PartnerProgramStatus | None:
    return PartnerProgramStatus.objects.select_related("held_level", "target_level").filter(partner=partner).first()


def holdings_expiring_between(*, start: date, end: date) -> QuerySet[Holding]:
    """Current (not superseded) holdings of active people expiring in [start, end]; the expiry index serves it."""
    return not_superseded(
        Holding.objects.filter(expires_on__gte=start, expires_on__lte=end, holder__is_active=True)
    ).select_related("holder", "certification", "certification__partner", "certification__partner__manager")

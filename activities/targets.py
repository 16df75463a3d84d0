"""Joint-plan targets: the actuals activities records give (partnerhub/targets.py) and each
initiative's progress against its target."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Case, Count, Expression, IntegerField, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull

from partnerhub.targets import actuals_for, target_actual

from .models import METRIC_DEFINITIONS, Campaign, DealRegistration, JointPlanInitiative, Metric, Opportunity

APPROVED_AT_SOME_POINT = ("approved", "won", "lost", "expired")  # lost and expired only follow approved


def _scalar(queryset, expression, output=None) -> Subquery:
    """One aggregate of the rows of the outer partner: NULL when there are none ("no data")."""
    return Subquery(queryset.order_by().values("partner_id").annotate(v=expression).values("v")[:1], output_field=output)


@target_actual(Metric.WON_DEAL_VALUE)
def won_deal_value(start: date, end: date, currency: str) -> Expression:
    rows = Opportunity.objects.filter(
        partner_id=OuterRef("pk"), stage=Opportunity.Stage.WON, won_on__range=(start, end), currency=currency
    )
    return _scalar(rows, Sum("value"))


@target_actual(Metric.REGISTRATIONS_SUBMITTED)
def registrations_submitted(start: date, end: date, currency: str) -> Expression:
    rows = DealRegistration.objects.filter(partner_id=OuterRef("pk"), submitted_at__date__range=(start, end))
    return _scalar(rows, Count("pk"), IntegerField())


@target_actual(Metric.REGISTRATIONS_APPROVED)
def registrations_approved(start: date, end: date, currency: str) -> Expression:
    rows = DealRegistration.objects.filter(
        partner_id=OuterRef("pk"), submitted_at__date__range=(start, end), status__in=APPROVED_AT_SOME_POINT
    )
    # Registrations were submitted in the quarter but none approved: 0, not "no data".
    submitted = registrations_submitted(start, end, currency)
    return _zero_when_data(_scalar(rows, Count("pk"), IntegerField()), submitted)


def _campaigns(start: date, end: date):
    # Campaign.partners is many-to-many: the through table carries the partner.
    return Campaign.partners.through.objects.filter(partner_id=OuterRef("pk"), campaign__starts_on__range=(start, end)).exclude(
        campaign__status=Campaign.Status.CANCELLED
    )


@target_actual(Metric.CAMPAIGN_LEADS)
def campaign_leads(start: date, end: date, currency: str) -> Expression:
    return _scalar(_campaigns(start, end), Sum("campaign__leads"), IntegerField())


@target_actual(Metric.ATTENDEES)
def campaign_attendees(start: date, end: date, currency: str) -> Expression:
    return _scalar(_campaigns(start, end), Sum("campaign__attendees"), IntegerField())


def _zero_when_data(value: Expression, data: Expression) -> Expression:
    """`value`, or 0 where `data` is not NULL (records exist, none of them counted)."""
    return Case(When(IsNull(data, False), then=Coalesce(value, Value(0))), default=value, output_field=IntegerField())


@dataclass(frozen=True)
class Progress:
    actual: Decimal | None  # None: no data for the quarter (or nothing registered for the metric)
    target: Decimal
    currency: str
    percent: int | None  # of the target reached, capped at 100 for the bar; None without data
    definition: str

    @property
    def met(self) -> bool:
        return self.actual is not None and self.actual >= self.target


def progress_of(initiative: JointPlanInitiative, actual: Decimal | None) -> Progress:
    target = initiative.target_value
    if actual is None:
        percent = None
    elif target == 0:
        percent = 100  # a target of 0 is met by any actual; never a division by zero
    else:
        percent = int(min(Decimal(100), actual / target * 100))
    return Progress(actual, target, initiative.target_currency, percent, str(METRIC_DEFINITIONS[initiative.metric]))


def attach_progress(*, partner_id: int, quarter: str, initiatives: list[JointPlanInitiative]) -> list[JointPlanInitiative]:
    """Set `initiative.progress` (None without a target) on each; one query for all computed actuals."""
    targeted = [i for i in initiatives if i.metric]
    wanted = {(i.metric, i.target_currency) for i in targeted if i.metric != Metric.CUSTOM}
    actuals = actuals_for(partner_id=partner_id, quarter=quarter, wanted=wanted)
    for initiative in initiatives:
        if not initiative.metric:
            initiative.progress = None
        elif initiative.metric == Metric.CUSTOM:
            initiative.progress = progress_of(initiative, initiative.custom_actual)
        else:
            initiative.progress = progress_of(initiative, actuals.get((initiative.metric, initiative.target_currency)))
    return initiatives

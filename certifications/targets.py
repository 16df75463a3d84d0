"""Joint-plan target actuals certifications give (partnerhub/targets.py)."""

from datetime import date

from django.db.models import Count, Expression, IntegerField, OuterRef, Subquery
from django.utils import timezone

from partnerhub.targets import target_actual

from .models import Holding
from .selectors import not_superseded, valid_on


@target_actual("certifications_held")
def certifications_held(start: date, end: date, currency: str) -> Expression:
    """Valid holdings (renewals counted once, active VSHNeers) of the partner's certifications on the
    quarter's last day, or today while the quarter runs."""
    day = min(end, timezone.localdate())
    rows = not_superseded(Holding.objects.filter(valid_on(day), certification__partner_id=OuterRef("pk"), holder__is_active=True))
    return Subquery(
        rows.order_by().values("certification__partner_id").annotate(v=Count("pk")).values("v")[:1], output_field=IntegerField()
    )

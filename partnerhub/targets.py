"""Joint-plan target metrics whose actual PartnerHub computes from its own records (issue 18).

Each app registers, in its `<app>/targets.py`, how to compute one metric for a partner and a
quarter as a scalar subquery over `OuterRef("pk")` of a Partner row: `@target_actual("metric")`,
a function (start, end, currency) -> Expression. `actuals_for()` asks for every (metric, currency)
a plan needs in ONE query (a row of the partner annotated with one subquery each), so a plan's
progress costs one query however many initiatives and metrics it has. A subquery that finds no
record gives NULL: "no data", never 0.
"""

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

from django.db.models import Expression
from django.utils.module_loading import autodiscover_modules

TargetActual = Callable[[date, date, str], Expression]
TARGET_ACTUALS: dict[str, TargetActual] = {}


def target_actual(metric: str) -> Callable[[TargetActual], TargetActual]:
    def register(func: TargetActual) -> TargetActual:
        TARGET_ACTUALS[metric] = func
        return func

    return register


def discover() -> None:
    autodiscover_modules("targets")


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """The first and last day of a quarter: 2026-Q4 -> (1 Oct 2026, 31 Dec 2026)."""
    year, q = int(quarter[:4]), int(quarter[-1])
    start = date(year, 3 * q - 2, 1)
    end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


def actuals_for(*, partner_id: int, quarter: str, wanted: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Decimal | None]:
    """{(metric, currency): actual or None} for the partner in the quarter; one query (none when
    nothing is wanted). Metrics nobody registered are left out (the caller shows no actual)."""
    from partners.models import Partner  # partners builds on partnerhub, not the other way round

    start, end = quarter_bounds(quarter)
    keys = sorted({(metric, currency or "") for metric, currency in wanted if metric in TARGET_ACTUALS})
    if not keys:
        return {}
    annotations = {f"a{index}": TARGET_ACTUALS[metric](start, end, currency) for index, (metric, currency) in enumerate(keys)}
    row = Partner.objects.filter(pk=partner_id).annotate(**annotations).values(*annotations).first() or {}
    return {key: _number(row.get(f"a{index}")) for index, key in enumerate(keys)}


def _number(value) -> Decimal | None:
    return None if value is None else Decimal(value)

"""Partner health (drift detection): good / watch / at risk, computed from facts with reasons.

Every app registers bulk `@health_check`s (partnerhub/attention.py); this module runs them for a
batch of partners and stores the verdict on the partner, so lists can show and filter on it.
Call `partner_health_refresh(partner_ids=[...])` after a write that changes a fact (a logged sync
meeting, a paid invoice); the reporting app's sweep refreshes every partner periodically.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from django.utils import timezone

from partnerhub.attention import HEALTH_CHECKS, HealthFinding

from .models import Partner

# Three separate "watch" findings are a pattern, not noise: the partnership is at risk.
WATCH_FINDINGS_FOR_AT_RISK = 3


def health_verdict(findings: Sequence[HealthFinding]) -> str:
    if any(f.severity == "at_risk" for f in findings) or len(findings) >= WATCH_FINDINGS_FOR_AT_RISK:
        return Partner.Health.AT_RISK
    if findings:
        return Partner.Health.WATCH
    return Partner.Health.GOOD


def partner_health_compute(*, partner_ids: Sequence[int], today: date) -> dict[int, tuple[str, list[str]]]:
    findings: dict[int, list[HealthFinding]] = defaultdict(list)
    for name in sorted(HEALTH_CHECKS):
        for partner_id, found in HEALTH_CHECKS[name](partner_ids, today).items():
            findings[partner_id].extend(found)
    result = {}
    for partner_id in partner_ids:
        found = sorted(findings.get(partner_id, []), key=lambda f: (f.severity != "at_risk", f.reason))
        result[partner_id] = (health_verdict(found), [f.reason for f in found])
    return result


def partner_health_refresh(*, partner_ids: Iterable[int] | None = None, today: date | None = None, batch_size: int = 500) -> int:
    """Recompute and store health for the given partners (all non-archived ones when None).
    Returns how many partners changed verdict or reasons. Idempotent."""
    today = today or timezone.localdate()
    if partner_ids is None:
        partner_ids = Partner.objects.filter(archived=False).values_list("pk", flat=True).order_by("pk")
    ids = list(partner_ids)
    changed = 0
    now = timezone.now()
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        verdicts = partner_health_compute(partner_ids=batch, today=today)
        partners = list(Partner.objects.filter(pk__in=batch).only("pk", "health", "health_reasons"))
        updates = []
        for partner in partners:
            health, reasons = verdicts[partner.pk]
            if partner.health != health or partner.health_reasons != reasons:
                partner.health, partner.health_reasons, partner.health_checked_at = health, reasons, now
                updates.append(partner)
        Partner.objects.bulk_update(updates, ["health", "health_reasons", "health_checked_at"])
        changed += len(updates)
    return changed

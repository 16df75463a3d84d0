"""Partner health (drift detection): good / watch / at risk, computed from facts with reasons.

Every app registers bulk `@health_check`s (partnerhub/attention.py); this module runs them for a
batch of partners and stores the verdict on the partner, so lists can show and filter on it.

Fresh after every write: next to its health checks, each app registers the models they read with
`@health_fact(Model)` (a function naming the partners a row concerns). Any save or delete of such a
row — by a service, the admin, an import — refreshes those partners' health once, after the commit.
Writes no signal sees (bulk updates) call `health_changed(partner_ids)`. The reporting app's sweep
still refreshes every partner periodically, for what changes with time alone.
"""

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from functools import partial

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, models, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from partnerhub.attention import HEALTH_CHECKS, HealthFinding
from partnerhub.registry import Registry

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


# Partners computed per batch: each health check costs one or two queries per batch.
HEALTH_BATCH_SIZE = 5000


def partner_health_refresh(
    *, partner_ids: Iterable[int] | None = None, today: date | None = None, batch_size: int = HEALTH_BATCH_SIZE
) -> int:
    """Recompute and store health for the given partners (all non-archived ones when None).
    Returns how many partners changed verdict or reasons. Idempotent."""
    today = today or timezone.localdate()
    now = timezone.now()
    if partner_ids is None:
        # The sweep over every partner hands each batch to the checks as a queryset (an id range):
        # their `partner_id__in=` becomes a subquery instead of thousands of bound parameters per query,
        # which cost more to prepare (in Django and psycopg) than the queries take to run.
        ids = list(Partner.objects.filter(archived=False).values_list("pk", flat=True).order_by("pk"))
        batches = [
            Partner.objects.filter(archived=False, pk__range=(ids[start], ids[min(start + batch_size, len(ids)) - 1]))
            .values_list("pk", flat=True)
            .order_by("pk")
            for start in range(0, len(ids), batch_size)
        ]
    else:
        ids = list(partner_ids)
        batches = [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]
    return sum(_refresh_batch(batch, today=today, now=now) for batch in batches)


def _refresh_batch(partner_ids: Sequence[int], *, today: date, now: datetime) -> int:
    verdicts = partner_health_compute(partner_ids=partner_ids, today=today)
    # Only partners whose stored health differs are written; unchanged ones cost the comparison.
    changed: dict[int, tuple[str, list[str]]] = {}
    for pk, health, reasons in (
        Partner.objects.filter(pk__in=partner_ids).values_list("pk", "health", "health_reasons").order_by()
    ):
        verdict = verdicts.get(pk)  # None: archived or restored while this batch was computed
        if verdict is not None and (health, reasons) != verdict:
            changed[pk] = verdict
    if changed:
        with transaction.atomic():  # one commit per batch, not one per statement
            _store(changed, now=now)
    return len(changed)


# The new verdicts joined to the partners as arrays: a single UPDATE for the whole batch.
_STORE_SQL_POSTGRESQL = (
    "UPDATE partners_partner AS partner "
    "SET health = new.health, health_reasons = new.reasons::jsonb, health_checked_at = %s "
    "FROM unnest(%s::bigint[], %s::varchar[], %s::text[]) AS new(id, health, reasons) "
    "WHERE partner.id = new.id"
)


def _store(changed: dict[int, tuple[str, list[str]]], *, now: datetime) -> None:
    """Write new verdicts. bulk_update() would take seconds for thousands of partners (a CASE WHEN
    per row); on PostgreSQL one UPDATE joined to the values does it, elsewhere one UPDATE per
    distinct verdict (most partners share "good, no reasons", the others a few hundred at most)."""
    if connection.vendor == "postgresql":
        ids, healths, reasons = zip(*((pk, health, json.dumps(why)) for pk, (health, why) in changed.items()), strict=True)
        with connection.cursor() as cursor:
            cursor.execute(_STORE_SQL_POSTGRESQL, [now, list(ids), list(healths), list(reasons)])
        return
    by_verdict: dict[tuple[str, tuple[str, ...]], list[int]] = defaultdict(list)
    for pk, (health, why) in changed.items():
        by_verdict[(health, tuple(why))].append(pk)
    for (health, why), pks in by_verdict.items():
        Partner.objects.filter(pk__in=pks).update(health=health, health_reasons=list(why), health_checked_at=now)


# --- Fresh after writes: the facts health reads ------------------------------------------------------

PartnersOf = Callable[[models.Model], Iterable[int]]
HEALTH_FACTS: Registry[type[models.Model], PartnersOf] = Registry("health facts", describe_key=lambda model: model._meta.label)


def health_fact(model: type[models.Model]) -> Callable[[PartnersOf], PartnersOf]:
    """Register `model` as a fact health reads; the decorated function names the partner ids a row
    concerns. Every save and delete of a row then refreshes those partners after the commit."""

    def register(partners_of: PartnersOf) -> PartnersOf:
        HEALTH_FACTS.register(model, partners_of)
        uid = f"health-fact-{model._meta.label_lower}"
        post_save.connect(_fact_written, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(_fact_written, sender=model, weak=False, dispatch_uid=uid)
        return partners_of

    return register


def _fact_written(sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs) -> None:
    if raw:  # loading fixtures
        return
    try:
        partner_ids = list(HEALTH_FACTS[sender](instance))
    except ObjectDoesNotExist:  # deleted together with what it pointed to: nothing left to refresh
        return
    health_changed(partner_ids)


def _transaction_pending() -> set[int]:
    """The partner ids written in the open transaction: kept on its outermost atomic block, so they
    go with it (a rolled-back transaction leaves nothing behind for the next one)."""
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        return set()
    return conn.atomic_blocks[0].__dict__.setdefault("_partner_health_ids", set())


def health_changed(partner_ids: Iterable[int]) -> None:
    """These partners' facts changed: refresh their health once the transaction commits (at once
    outside a transaction). Many writes in one transaction cost one refresh: every write adds a
    callback (one inside a rolled-back savepoint is dropped), the first to run refreshes them all."""
    ids = {pk for pk in partner_ids if pk is not None}
    if not ids:
        return
    pending = _transaction_pending()
    pending |= ids
    transaction.on_commit(partial(_refresh, pending or ids))


def _refresh(pending: set[int]) -> int:
    ids = sorted(pending)
    pending.clear()
    return partner_health_refresh(partner_ids=ids) if ids else 0


def health_refresh_pending() -> int:
    """Refresh now, inside the transaction, the partners written so far in it: for a view that shows
    the new verdict in the same answer (the quick log). The refresh after the commit finds them done."""
    return _refresh(_transaction_pending())

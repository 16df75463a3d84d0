"""Onboarding steps proved by a record tick themselves when that record appears.

Each app registers the proof kinds it holds the records for, next to its health facts in
`<app>/attention.py`:

    @onboarding_proof(OnboardingProof.REGISTRATION, DealRegistration, partners_of=lambda r: [r.partner_id])
    def first_registration(partner_ids) -> dict[int, Proved]: ...

The finder answers, in one query for many partners, the record that proves the step per partner.
Any save of a registered model ticks its partners' open steps of that kind after the commit
(`onboarding_proofs_tick`); starting an onboarding ticks at once what is already proven; the
`onboarding_proofs` housekeeping sweep catches what no signal saw (bulk writes, imports).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from django.db import models, transaction
from django.db.models.signals import post_save
from django.utils import timezone

from partnerhub.reminders import housekeeping

from .models import OnboardingStep


@dataclass(frozen=True)
class Proved:
    label: str  # "Contract: Partner agreement 2026", shown on the step
    url: str  # where the record is


Finder = Callable[[Sequence[int]], dict[int, Proved]]
PROOF_FINDERS: dict[str, Finder] = {}


def onboarding_proof(kind: str, model: type[models.Model], *, partners_of: Callable[[models.Model], Iterable[int]]):
    def register(finder: Finder) -> Finder:
        PROOF_FINDERS[kind] = finder

        def written(sender, instance, raw=False, **kwargs):
            if not raw:
                _proofs_changed({(pk, kind) for pk in partners_of(instance) if pk is not None})

        post_save.connect(written, sender=model, weak=False, dispatch_uid=f"onboarding-proof-{kind}")
        return finder

    return register


def _proofs_changed(pairs: set[tuple[int, str]]) -> None:
    """Tick after the commit; many writes in one transaction cost one tick (as health_changed does)."""
    if not pairs:
        return
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        _tick_pending(set(pairs))
        return
    pending = conn.atomic_blocks[0].__dict__.setdefault("_onboarding_proof_pairs", set())
    pending |= pairs
    # A callback per write (one inside a rolled-back savepoint is dropped); the first to run ticks all.
    transaction.on_commit(partial(_tick_pending, pending))


def _tick_pending(pending: set[tuple[int, str]]) -> None:
    pairs = set(pending)
    pending.clear()
    if pairs:
        onboarding_proofs_tick(partner_ids={pk for pk, _ in pairs}, kinds={kind for _, kind in pairs})


def onboarding_proofs_tick(*, partner_ids: Iterable[int] | None = None, kinds: Iterable[str] | None = None) -> int:
    """Tick the open, proof-backed steps of running onboardings whose record exists. Returns how many.
    Idempotent: only steps still open are ticked (a conditional UPDATE, so a person ticking the
    same step at the same moment keeps their tick)."""
    open_steps = OnboardingStep.objects.filter(done_at__isnull=True, onboarding__ended_on__isnull=True).exclude(proof="")
    if partner_ids is not None:
        open_steps = open_steps.filter(onboarding__partner_id__in=list(partner_ids))
    if kinds is not None:
        open_steps = open_steps.filter(proof__in=list(kinds))
    by_kind: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for step_id, kind, partner_id in open_steps.values_list("pk", "proof", "onboarding__partner_id"):
        by_kind[kind][partner_id].append(step_id)
    now = timezone.now()
    ticked = 0
    touched_onboardings: set[int] = set()
    for kind, steps_by_partner in by_kind.items():
        finder = PROOF_FINDERS.get(kind)
        if finder is None:
            continue
        for partner_id, proved in finder(list(steps_by_partner)).items():
            ids = steps_by_partner.get(partner_id, [])
            ticked += OnboardingStep.objects.filter(pk__in=ids, done_at__isnull=True).update(
                done_at=now, done_by=None, proof_label=proved.label[:200], proof_url=proved.url[:500]
            )
            touched_onboardings.update(
                OnboardingStep.objects.filter(pk__in=ids).values_list("onboarding_id", flat=True).distinct()
            )
    if touched_onboardings:
        from .services import onboarding_check_complete

        for onboarding_id in sorted(touched_onboardings):
            onboarding_check_complete(onboarding_id=onboarding_id)
    return ticked


@housekeeping("onboarding_proofs")
def onboarding_proofs_sweep(today) -> int:
    return onboarding_proofs_tick()

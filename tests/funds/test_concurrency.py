"""Two people approving the same claim at the same moment: one wins, the other is told who won.

Runs on the real PostgreSQL only (SQLite has no row locks); skipped with the reason otherwise.
Each thread has its own database connection, so the row lock is real.
"""

import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from funds import services
from funds.models import FundClaim

from .factories import FundAllocationFactory, submitted_claim

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL for real row locks: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres",
    ),
]


def run_in_threads(*targets) -> None:
    def wrap(target):
        def run():
            try:
                target()
            finally:
                connection.close()

        return run

    threads = [threading.Thread(target=wrap(target)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)


@pytest.mark.django_db(transaction=True)
def test_same_claim_approved_twice_at_once_one_wins(manager, marketing):
    claim = submitted_claim(requested_amount=Decimal("1000"))
    barrier = threading.Barrier(2, timeout=30)
    outcomes: dict[str, str] = {}

    def approve(user, amount):
        def run():
            barrier.wait()  # both start together
            try:
                services.fund_claim_approve(claim_id=claim.pk, approved_amount=amount, by=user)
                outcomes[user.username] = "approved"
            except ValidationError as error:
                outcomes[user.username] = " ".join(error.messages)

        return run

    run_in_threads(approve(manager, Decimal("600")), approve(marketing, Decimal("700")))
    claim.refresh_from_db()
    winners = [name for name, outcome in outcomes.items() if outcome == "approved"]
    assert len(winners) == 1, outcomes
    loser = next(name for name in outcomes if name not in winners)
    assert outcomes[loser].startswith("This claim was already approved by ")
    assert claim.decided_by.username == winners[0]
    assert claim.approved_amount == (Decimal("600") if winners[0] == "manager" else Decimal("700"))


@pytest.mark.django_db(transaction=True)
def test_the_second_approver_waits_for_the_lock_and_is_told_who_won(manager, marketing):
    """Deterministic interleaving: the first approver holds the row lock while the second tries."""
    manager.first_name, manager.last_name = "Marta", "Manager"
    manager.save()
    claim = submitted_claim()
    locked = threading.Event()
    outcomes: dict[str, str] = {}

    def first():
        with transaction.atomic():
            services.fund_claim_approve(claim_id=claim.pk, approved_amount=Decimal("500"), by=manager)
            locked.set()
            time.sleep(0.5)  # hold the row lock; the second approver must wait, not read the old state
        outcomes["first"] = "approved"

    def second():
        locked.wait(timeout=30)
        started = time.monotonic()
        try:
            services.fund_claim_approve(claim_id=claim.pk, approved_amount=Decimal("900"), by=marketing)
            outcomes["second"] = "approved"
        except ValidationError as error:
            outcomes["second"] = " ".join(error.messages)
        outcomes["waited"] = f"{time.monotonic() - started:.2f}"

    run_in_threads(first, second)
    assert outcomes["first"] == "approved"
    assert outcomes["second"].startswith("This claim was already approved by Marta Manager"), outcomes
    assert float(outcomes["waited"]) >= 0.3  # it really waited for the lock
    claim.refresh_from_db()
    assert claim.approved_amount == Decimal("500") and claim.decided_by == manager


@pytest.mark.django_db(transaction=True)
def test_two_claims_cannot_both_take_the_last_of_an_allocation(manager, marketing):
    allocation = FundAllocationFactory(amount=Decimal("1000"))
    claims = [submitted_claim(allocation=allocation, requested_amount=Decimal("800")) for _ in range(2)]
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def approve(claim, user):
        def run():
            barrier.wait()
            try:
                services.fund_claim_approve(claim_id=claim.pk, approved_amount=Decimal("800"), by=user)
                outcomes.append("approved")
            except ValidationError as error:
                outcomes.append(" ".join(error.messages))

        return run

    run_in_threads(approve(claims[0], manager), approve(claims[1], marketing))
    assert sorted(outcomes)[0] == "Only CHF 200.00 is left of the allocation " + allocation.short_name + "."
    assert sorted(outcomes)[1] == "approved"
    assert FundClaim.objects.filter(status=FundClaim.Status.APPROVED).count() == 1

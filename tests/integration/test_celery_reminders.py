"""The reminder sweep through a real Celery worker on the real Redis broker, and concurrently.

Each (kind, object, due key) must be delivered once even when the sweep runs twice, and when two
workers run it at the same moment: the unique ReminderSent row decides, not a cache lock.
"""

import threading
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import connection
from django.utils import timezone

from partnerhub import reminders
from partnerhub.models import ReminderSent
from partnerhub.tasks import run_reminder_sweep

from ..factories import ContractFactory, PartnerFactory, UserFactory
from ..helpers import run_at_once

KIND = "contract_notice_deadline"


@pytest.fixture
def due_contract(db):
    today = timezone.localdate()
    manager = UserFactory(username="pm-integration")
    return ContractFactory(partner=PartnerFactory(manager=manager), end_date=today + timedelta(days=90), notice_period_days=60)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_real_worker_sends_once_when_the_sweep_runs_twice_and_twice_at_once(postgresql, celery_on_redis, due_contract):
    # PostgreSQL only: on SQLite the worker's threads read the test database through a shared
    # in-memory cache, and on a fresh clone under xdist the first sweep once saw no due contract
    # (0 sent, then 1). The PostgreSQL stage of .ci/run runs it with real connections.
    mail.outbox = []
    # A real worker on the real broker with two execution slots, so the last two sweeps run at once.
    # (Two start_worker()s in one process share Celery's app state and sometimes hang on shutdown.)
    with start_worker(
        celery_on_redis, perform_ping_check=False, concurrency=2, pool="threads", loglevel="WARNING", shutdown_timeout=30
    ):
        first = run_reminder_sweep.apply_async((KIND,), ignore_result=False).get(timeout=60)
        second = run_reminder_sweep.apply_async((KIND,), ignore_result=False).get(timeout=60)
        together = [
            run_reminder_sweep.apply_async((KIND,), ignore_result=False),
            run_reminder_sweep.apply_async((KIND,), ignore_result=False),
        ]
        concurrent_results = [result.get(timeout=60) for result in together]
    assert (first, second) == (1, 0)
    assert concurrent_results == [0, 0]
    assert len(mail.outbox) == 1
    assert ReminderSent.objects.filter(kind=KIND).count() == 1


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_racing_past_the_precheck_still_deliver_once(postgresql, due_contract, monkeypatch):
    """Forces the worst interleaving: both sweeps see 'not sent yet' before either inserts.
    On PostgreSQL the second INSERT waits for the first transaction and then fails on the unique
    constraint, so exactly one email goes out."""
    mail.outbox = []
    barrier = threading.Barrier(2, timeout=30)
    original_sweep = reminders.REMINDERS[KIND]

    def sweep_that_waits(today):
        due = list(original_sweep(today))
        barrier.wait()  # both threads have computed what is due; neither has claimed it yet
        return due

    monkeypatch.setitem(reminders.REMINDERS, KIND, sweep_that_waits)
    results: list[int] = []

    def run():
        try:
            results.append(reminders.run_reminder(KIND))
        finally:
            connection.close()

    run_at_once(run, run, timeout=60)
    assert sorted(results) == [0, 1]
    assert len(mail.outbox) == 1
    assert ReminderSent.objects.filter(kind=KIND).count() == 1

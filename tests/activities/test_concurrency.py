"""sync_meeting_due and deal_registration_expiring through two real Celery workers on Redis at
once, and the expiry sweep racing itself on PostgreSQL: each reminder goes out once."""

import threading
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import connection
from django.utils import timezone

from activities.models import DealRegistration
from partnerhub import reminders
from partnerhub.models import ReminderSent
from partnerhub.tasks import run_reminder_sweep

from ..factories import PartnerFactory, UserFactory
from ..helpers import run_at_once
from .factories import ActivityFactory, DealRegistrationFactory

KINDS = ["sync_meeting_due", "deal_registration_expiring"]


def _require_postgresql() -> None:
    # SQLite's shared in-memory test database answers "table is locked" to two writing threads.
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def due_things(db):
    today = timezone.localdate()
    manager = UserFactory(username="pm-activities-integration")
    partner = PartnerFactory(manager=manager, sync_cadence="weekly")
    ActivityFactory(partner=partner, kind="sync_meeting", occurred_on=today - timedelta(days=9))
    DealRegistrationFactory(partner=partner, owner=manager, status="approved", expires_on=today + timedelta(days=10))


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_running_sweeps_at_once_sends_each_reminder_once(celery_on_redis, due_things):
    _require_postgresql()
    mail.outbox = []
    # One real worker with two execution slots: the sweeps run at the same time. (Two start_worker()s
    # in one process share Celery's app state and sometimes hang on shutdown.)
    worker = {"perform_ping_check": False, "concurrency": 2, "pool": "threads", "loglevel": "WARNING", "shutdown_timeout": 30}
    with start_worker(celery_on_redis, **worker):
        results = [run_reminder_sweep.apply_async((kind,), ignore_result=False) for kind in KINDS for _ in range(2)]
        sent = [result.get(timeout=60) for result in results]
        again = [run_reminder_sweep.apply_async((kind,), ignore_result=False).get(timeout=60) for kind in KINDS]
    assert sum(sent[:2]) == 1 and sum(sent[2:]) == 1
    assert again == [0, 0]
    assert len(mail.outbox) == 2
    for kind in KINDS:
        assert ReminderSent.objects.filter(kind=kind).count() == 1


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_expiry_sweep_racing_itself_expires_each_registration_once(db):
    _require_postgresql()
    today = timezone.localdate()
    DealRegistrationFactory.create_batch(20, status="approved", expires_on=today - timedelta(days=1))
    barrier = threading.Barrier(2, timeout=30)
    results: list[int] = []

    def run():
        try:
            barrier.wait()
            results.append(reminders.run_housekeeping("deal_registrations_expire", today))
        finally:
            connection.close()

    run_at_once(run, run, timeout=60)
    assert sum(results) == 20  # the conditional UPDATE: the second run finds nothing left to change
    assert DealRegistration.objects.filter(status="expired").count() == 20

"""Two batched sweeps at the same moment on PostgreSQL: each reminder is claimed by one of them.

Both compute what is due before either claims anything, then claim chunk by chunk in opposite
orders, so their chunks overlap while the other's transaction is still open: the INSERT of the
claims waits, fails on the unique constraint, and the sweep falls back to claiming one by one.
(A run delivers in one transaction; DELIVERY_CHUNK_SIZE is the INSERT batch size.)"""

import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection

from partnerhub import reminders
from partnerhub.models import Notification, ReminderSent
from partnerhub.reminders import DueReminder

from ..factories import UserFactory
from ..helpers import run_at_once

KIND = "test_racing_batch_reminder"


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_two_batched_sweeps_at_once_deliver_each_reminder_once(postgresql, monkeypatch):
    mail.outbox = []
    monkeypatch.setattr(reminders, "DELIVERY_CHUNK_SIZE", 7)
    manager, colleague = UserFactory(), UserFactory()
    objects = UserFactory.create_batch(40)
    barrier = threading.Barrier(2, timeout=30)
    orders = iter([objects, list(reversed(objects))])
    lock = threading.Lock()

    def sweep(today):
        with lock:
            mine = next(orders)
        due = [DueReminder(obj=obj, due_key="k", recipients=[manager, colleague], title=f"Reminder {obj.pk}") for obj in mine]
        barrier.wait()  # both sweeps know what is due; neither has claimed anything yet
        return due

    monkeypatch.setitem(reminders.REMINDERS, KIND, sweep)
    original_claim = reminders._claim
    lost_to_the_other: list[int] = []

    def claim(outgoing):
        mine = original_claim(outgoing)
        lost_to_the_other.append(len(outgoing) - len(mine))
        return mine

    monkeypatch.setattr(reminders, "_claim", claim)
    results: list[int] = []
    errors: list[BaseException] = []

    def run():
        try:
            results.append(reminders.run_reminder(KIND))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    run_at_once(run, run, timeout=120)

    assert not errors
    assert sum(results) == 40
    assert ReminderSent.objects.filter(kind=KIND).count() == 40
    assert Notification.objects.filter(kind=KIND).count() == 80
    # Each run sends each person one email (a digest) with what it claimed: every reminder reaches
    # each person exactly once across the two runs' emails.
    per_person = Counter(
        (f"Reminder {obj.pk}", message.to[0])
        for message in mail.outbox
        for obj in objects
        if f"Reminder {obj.pk}\n" in message.body
    )
    assert len(per_person) == 80 and set(per_person.values()) == {1}
    assert Counter(message.to[0] for message in mail.outbox).most_common(1)[0][1] <= 2  # at most one per run
    assert sum(lost_to_the_other) > 0  # the sweeps did meet: some claims were already the other's
    again = [DueReminder(obj=obj, due_key="k", recipients=[manager], title="Again") for obj in objects]
    assert reminders.deliver_many(KIND, again) == 0

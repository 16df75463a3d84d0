"""Batched reminder delivery (partnerhub.reminders.deliver_many / deliver_digest): each (kind, object,
due key) once, across chunks and runs; one email per person per run (a digest when there are several);
a failed email releases only the reminders it carried; a bounded
number of queries however many reminders. The race of two sweeps at once is in
tests/integration/test_reminder_delivery_race.py (PostgreSQL)."""

from collections import Counter

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnerhub import reminders
from partnerhub.models import Notification, ReminderSent
from partnerhub.reminders import DueReminder

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

KIND = "test_batch_reminder"


@pytest.fixture
def registered(monkeypatch):
    """Registers KIND with a sweep over the given objects; small INSERT batches so a few objects span several."""
    monkeypatch.setattr(reminders, "DELIVERY_CHUNK_SIZE", 4)

    def register(objects, recipients):
        def sweep(today):
            for obj in objects:
                yield DueReminder(
                    obj=obj,
                    due_key="2026-01-01",
                    recipients=recipients,
                    title=f"Reminder for {obj.username}",
                    body="Body",
                    url="/partners/",
                )

        monkeypatch.setitem(reminders.REMINDERS, KIND, sweep)

    return register


def subjects() -> Counter:
    return Counter(message.subject for message in mail.outbox)


def test_many_reminders_are_each_delivered_once_and_a_second_run_sends_nothing(registered, mailoutbox):
    manager, colleague = UserFactory(), UserFactory()
    objects = UserFactory.create_batch(11)  # three chunks of four
    registered(objects, [manager, colleague, None])

    assert reminders.run_reminder(KIND) == 11
    # One digest each, carrying all 11 (claimed in several INSERTs).
    assert sorted(message.to[0] for message in mailoutbox) == sorted([manager.email, colleague.email])
    assert all(message.subject.startswith("[PartnerHub] 11 reminders") for message in mailoutbox)
    assert all(all(f"Reminder for {obj.username}" in message.body for obj in objects) for message in mailoutbox)
    assert ReminderSent.objects.filter(kind=KIND).count() == 11
    assert Notification.objects.filter(kind=KIND).count() == 22
    sent = ReminderSent.objects.filter(kind=KIND).first()
    assert sent.recipients == ", ".join(sorted([manager.username, colleague.username]))

    assert reminders.run_reminder(KIND) == 0
    assert len(mailoutbox) == 2
    assert Notification.objects.filter(kind=KIND).count() == 22


def test_a_reminder_yielded_twice_by_its_sweep_is_delivered_once(registered, mailoutbox):
    manager = UserFactory()
    obj = UserFactory()
    registered([obj, obj, obj], [manager])
    assert reminders.run_reminder(KIND) == 1
    assert len(mailoutbox) == 1


def test_inactive_or_addressless_recipients_get_no_email_but_the_reminder_counts(registered, mailoutbox):
    inactive, no_address = UserFactory(is_active=False), UserFactory(email="")
    registered(UserFactory.create_batch(3), [inactive, no_address])
    assert reminders.run_reminder(KIND) == 3
    assert mailoutbox == []
    assert Notification.objects.filter(kind=KIND, recipient=no_address).count() == 3  # in-app only
    assert not Notification.objects.filter(recipient=inactive).exists()
    assert reminders.run_reminder(KIND) == 0


def title(obj) -> str:
    return f"Reminder for {obj.username}"


def test_a_failed_email_releases_what_it_carried_and_the_next_run_retries_it(registered, mailoutbox, monkeypatch):
    manager, colleague = UserFactory(), UserFactory()
    objects = UserFactory.create_batch(10)
    registered(objects, [manager, colleague])
    original_send = EmailMultiAlternatives.send

    def send(self, *args, **kwargs):
        if self.to[0] == colleague.email:
            raise ConnectionResetError("SMTP dropped the connection")
        return original_send(self, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(EmailMultiAlternatives, "send", send)
        assert reminders.run_reminder(KIND) == 0
    # The colleague's digest failed: its reminders are not claimed and have no notification, for anyone.
    assert not ReminderSent.objects.filter(kind=KIND).exists()
    assert not Notification.objects.filter(kind=KIND).exists()
    assert [m.to[0] for m in mailoutbox] == [manager.email]  # went out before the failure

    assert reminders.run_reminder(KIND) == 10
    # The unavoidable duplicate: the manager's digest again (rather than a lost reminder for the colleague).
    assert sorted(m.to[0] for m in mailoutbox) == sorted([manager.email, manager.email, colleague.email])
    assert Notification.objects.filter(kind=KIND).count() == 20
    assert reminders.run_reminder(KIND) == 0
    assert len(mailoutbox) == 3


def test_one_persons_failure_does_not_hold_up_reminders_they_are_not_in(mailoutbox, monkeypatch):
    alice, bob = UserFactory(), UserFactory()
    for_alice, for_bob = UserFactory.create_batch(2), UserFactory.create_batch(3)
    dues = [DueReminder(obj=o, due_key="k", recipients=[alice], title=f"A {o.pk}") for o in for_alice]
    dues += [DueReminder(obj=o, due_key="k", recipients=[bob], title=f"B {o.pk}") for o in for_bob]
    original_send = EmailMultiAlternatives.send

    def send(self, *args, **kwargs):
        if self.to[0] == alice.email:
            raise ConnectionResetError("refused")
        return original_send(self, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(EmailMultiAlternatives, "send", send)
        assert reminders.deliver_many(KIND, dues) == 3
    assert set(ReminderSent.objects.filter(kind=KIND).values_list("object_id", flat=True)) == {o.pk for o in for_bob}
    assert reminders.deliver_many(KIND, dues) == 2
    assert sorted(m.to[0] for m in mailoutbox) == sorted([bob.email, alice.email])


def test_no_mail_connection_releases_the_chunk_for_the_next_run(registered, mailoutbox, monkeypatch):
    manager = UserFactory()
    registered(UserFactory.create_batch(6), [manager])

    def refuse(self):
        raise ConnectionRefusedError("SMTP down")

    with monkeypatch.context() as patched:
        patched.setattr(EmailBackend, "open", refuse)
        assert reminders.run_reminder(KIND) == 0
    assert mailoutbox == []
    assert not ReminderSent.objects.filter(kind=KIND).exists() and not Notification.objects.filter(kind=KIND).exists()

    assert reminders.run_reminder(KIND) == 6
    assert len(mailoutbox) == 1  # one digest with the six


def test_a_reminder_that_cannot_be_rendered_does_not_hold_up_the_others(registered, mailoutbox, monkeypatch):
    manager = UserFactory()
    objects = UserFactory.create_batch(5)
    registered(objects, [manager])
    original = reminders.notifications_for

    def notifications_for(recipients, *, title, **kwargs):
        if title.endswith(objects[2].username):
            raise ValueError("broken template")
        return original(recipients, title=title, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(reminders, "notifications_for", notifications_for)
        assert reminders.run_reminder(KIND) == 4
    assert not ReminderSent.objects.filter(kind=KIND, object_id=objects[2].pk).exists()
    assert reminders.run_reminder(KIND) == 1
    assert len(mailoutbox) == 2  # a digest of four, then the fifth on its own


@pytest.mark.parametrize("count", [3, 40])
def test_delivering_n_reminders_costs_a_fixed_number_of_queries(count, monkeypatch, mailoutbox):
    manager, colleague = UserFactory(), UserFactory()
    objects = UserFactory.create_batch(count)
    dues = [DueReminder(obj=obj, due_key="k", recipients=[manager, colleague], title=f"T {obj.pk}") for obj in objects]
    # Everything in one chunk: the already-sent lookup, then per chunk a savepoint around the claims'
    # INSERT, the recipients' notification settings, the notifications' INSERT and the (test
    # transaction's) savepoint around both.
    with CaptureQueriesContext(connection) as queries:
        assert reminders.deliver_many(KIND, dues) == count
    assert len(queries) <= 9, [q["sql"][:80] for q in queries.captured_queries]
    assert len(mailoutbox) == 2  # one email each

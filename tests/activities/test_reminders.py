"""Reminders sync_meeting_due and deal_registration_expiring, the expiry sweep and the attention registries."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from activities.attention import (
    deal_registrations_expiring,
    my_tasks,
    no_recent_activity,
    registration_expiry_events,
    registrations_expiring_check,
    sync_meeting_events,
    sync_meeting_overdue,
    sync_meetings_due,
)
from activities.services import activity_log
from partnerhub import reminders
from partnerhub.models import ReminderSent
from partners.models import Partner

from ..factories import PartnerFactory
from .factories import ActivityFactory, DealRegistrationFactory

pytestmark = pytest.mark.django_db


def run_reminders_output() -> dict[str, str]:
    out = StringIO()
    call_command("run_reminders", stdout=out)
    return dict(line.split(": ", 1) for line in out.getvalue().strip().splitlines())


def _age(partner, days: int) -> None:
    Partner.objects.filter(pk=partner.pk).update(created_at=timezone.now() - timedelta(days=days))


def test_run_reminders_sends_each_once_then_nothing(manager, sales, mailoutbox):
    today = timezone.localdate()
    due = PartnerFactory(manager=manager, sync_cadence="monthly", name="Due Partner")
    ActivityFactory(partner=due, kind="sync_meeting", occurred_on=today - timedelta(days=31))
    fresh = PartnerFactory(manager=manager, sync_cadence="monthly")
    ActivityFactory(partner=fresh, kind="sync_meeting", occurred_on=today - timedelta(days=3))
    DealRegistrationFactory(owner=sales, status="approved", expires_on=today + timedelta(days=10), customer="Expiring AG")
    DealRegistrationFactory(owner=sales, status="approved", expires_on=today + timedelta(days=40))
    expired = DealRegistrationFactory(owner=sales, status="approved", expires_on=today - timedelta(days=1))

    first = run_reminders_output()
    assert first["sync_meeting_due"] == "1 sent"
    assert first["deal_registration_expiring"] == "1 sent"
    assert first["deal_registrations_expire"] == "1 updated"
    expired.refresh_from_db()
    assert expired.status == "expired"
    subjects = {m.to[0]: m.subject for m in mailoutbox}
    assert "Due Partner" in subjects[manager.email]
    assert "Expiring AG" in subjects[sales.email]

    second = run_reminders_output()
    assert second["sync_meeting_due"] == "0 sent"
    assert second["deal_registration_expiring"] == "0 sent"
    assert second["deal_registrations_expire"] == "0 updated"


def test_sync_reminder_respects_the_lead_time(manager, settings):
    today = timezone.localdate()
    settings.REMINDER_SYNC_MEETING_LEAD_DAYS = 2
    partner = PartnerFactory(manager=manager, sync_cadence="weekly")
    ActivityFactory(partner=partner, kind="sync_meeting", occurred_on=today - timedelta(days=4))  # due in 3 days
    assert reminders.run_reminder("sync_meeting_due") == 0
    settings.REMINDER_SYNC_MEETING_LEAD_DAYS = 3
    assert reminders.run_reminder("sync_meeting_due") == 1
    assert ReminderSent.objects.get(kind="sync_meeting_due").due_key == (today + timedelta(days=3)).isoformat()


def test_a_new_sync_meeting_starts_a_new_cycle(manager):
    today = timezone.localdate()
    partner = PartnerFactory(manager=manager, sync_cadence="weekly")
    ActivityFactory(partner=partner, kind="sync_meeting", occurred_on=today - timedelta(days=10))
    assert reminders.run_reminder("sync_meeting_due") == 1
    ActivityFactory(partner=partner, kind="sync_meeting", occurred_on=today - timedelta(days=8))
    assert reminders.run_reminder("sync_meeting_due") == 1  # a new due date is a new reminder
    ActivityFactory(partner=partner, kind="sync_meeting", occurred_on=today)
    assert reminders.run_reminder("sync_meeting_due") == 0


def test_never_synced_partner_is_due_since_created_and_none_or_archived_are_skipped(manager):
    never = PartnerFactory(manager=manager, sync_cadence="monthly")
    _age(never, 40)
    _age(PartnerFactory(manager=manager, sync_cadence="none"), 400)
    _age(PartnerFactory(manager=manager, sync_cadence="weekly", archived=True), 400)
    _age(PartnerFactory(manager=None, sync_cadence="weekly"), 400)  # nobody to remind
    assert reminders.run_reminder("sync_meeting_due") == 1
    assert ReminderSent.objects.get().object_id == never.pk


def test_sync_sweep_is_flat_in_queries(manager, django_assert_num_queries):
    today = timezone.localdate()
    for _ in range(20):
        partner = PartnerFactory(manager=manager)
        ActivityFactory(partner=partner, kind="sync_meeting", occurred_on=today - timedelta(days=3))
    # partners with manager, their managers (prefetched once each), last sync per partner (one
    # aggregate): nothing is due, nothing else runs
    with django_assert_num_queries(3):
        assert list(reminders.REMINDERS["sync_meeting_due"](today)) == []


def test_registration_reminder_goes_to_the_owner_14_days_ahead(sales, manager):
    today = timezone.localdate()
    partner = PartnerFactory(manager=manager)
    DealRegistrationFactory(partner=partner, owner=sales, status="approved", expires_on=today + timedelta(days=14))
    DealRegistrationFactory(partner=partner, owner=sales, status="approved", expires_on=today + timedelta(days=15))
    DealRegistrationFactory(partner=partner, owner=sales, status="submitted", expires_on=today + timedelta(days=5))
    due = list(reminders.REMINDERS["deal_registration_expiring"](today))
    assert len(due) == 1 and due[0].recipients == [sales]
    assert due[0].due_key == (today + timedelta(days=14)).isoformat()


class TestAttention:
    def test_sync_meetings_due_for_my_partners(self, manager, admin_user):
        today = timezone.localdate()
        mine = PartnerFactory(manager=manager, sync_cadence="weekly", name="Mine")
        ActivityFactory(partner=mine, kind="sync_meeting", occurred_on=today - timedelta(days=10))
        other = PartnerFactory(sync_cadence="weekly")
        ActivityFactory(partner=other, kind="sync_meeting", occurred_on=today - timedelta(days=10))
        items = sync_meetings_due(manager, today)
        assert [i.title.split(":")[0] for i in items] == ["Mine"] and items[0].overdue
        assert len(sync_meetings_due(admin_user, today)) == 2

    def test_sync_meetings_due_shows_the_50_most_overdue_first(self, manager):
        today = timezone.localdate()
        for days_ago in range(8, 68):  # 60 weekly partners, each due (last sync 8..67 days ago)
            partner = PartnerFactory(manager=manager, sync_cadence="weekly", name=f"Due {days_ago:03d}")
            ActivityFactory(partner=partner, kind="sync_meeting", occurred_on=today - timedelta(days=days_ago))
        items = sync_meetings_due(manager, today)
        assert len(items) == 50
        assert [i.due for i in items] == sorted(i.due for i in items)
        assert items[0].title.startswith("Due 067") and items[-1].title.startswith("Due 018")

    def test_my_follow_ups_within_a_week(self, sales):
        """Follow-ups are tasks (issue 17): in the inbox as "My tasks", once each."""
        today = timezone.localdate()
        rows = [
            ActivityFactory(
                author=sales, occurred_on=today - timedelta(days=5), follow_up_on=today - timedelta(days=1), subject="Late"
            ),
            ActivityFactory(author=sales, follow_up_on=today + timedelta(days=6), subject="Soon"),
            ActivityFactory(author=sales, follow_up_on=today + timedelta(days=20), subject="Later"),
            ActivityFactory(author=sales, follow_up_on=today, follow_up_done=True, subject="Done"),
            ActivityFactory(follow_up_on=today, subject="Someone else's"),
        ]
        for activity in rows:
            activity_log(activity=activity)  # saving an activity with a follow-up date makes its task
        items = my_tasks(sales, today)
        assert [i.title.split(": ", 1)[1] for i in items] == ["Follow up: Late", "Follow up: Soon"]
        assert items[0].overdue and not items[1].overdue
        assert [a.label for a in items[0].actions] == ["Mark done", "Reassign"]

    def test_registrations_expiring_owned_or_managed(self, sales, manager):
        today = timezone.localdate()
        DealRegistrationFactory(owner=sales, status="approved", expires_on=today + timedelta(days=5))
        DealRegistrationFactory(partner=PartnerFactory(manager=manager), status="approved", expires_on=today + timedelta(days=5))
        assert len(deal_registrations_expiring(sales, today)) == 1
        assert len(deal_registrations_expiring(manager, today)) == 1

    def test_health_checks(self):
        today = timezone.localdate()
        watch = PartnerFactory(sync_cadence="monthly")
        ActivityFactory(partner=watch, kind="sync_meeting", occurred_on=today - timedelta(days=40))
        at_risk = PartnerFactory(sync_cadence="weekly")
        ActivityFactory(partner=at_risk, kind="sync_meeting", occurred_on=today - timedelta(days=30))
        fine = PartnerFactory(sync_cadence="monthly")
        ActivityFactory(partner=fine, kind="sync_meeting", occurred_on=today - timedelta(days=3))
        ids = [watch.pk, at_risk.pk, fine.pk]
        findings = sync_meeting_overdue(ids, today)
        assert findings[watch.pk][0].severity == "watch" and "overdue by 10 days" in findings[watch.pk][0].reason
        assert findings[at_risk.pk][0].severity == "at_risk"
        assert fine.pk not in findings

        quiet = PartnerFactory()
        _age(quiet, 200)
        ActivityFactory(partner=quiet, occurred_on=today - timedelta(days=120))
        silent = PartnerFactory()
        _age(silent, 200)
        new = PartnerFactory()  # created today: not yet a drift
        findings = no_recent_activity([quiet.pk, silent.pk, new.pk, fine.pk], today)
        assert "No activity for 120 days" in findings[quiet.pk][0].reason
        assert findings[silent.pk][0].reason == "No activity logged at all"
        assert new.pk not in findings and fine.pk not in findings

        DealRegistrationFactory(partner=fine, status="approved", expires_on=today + timedelta(days=3), customer="Soon AG")
        DealRegistrationFactory(partner=watch, status="approved", expires_on=today + timedelta(days=30))
        findings = registrations_expiring_check(ids, today)
        assert list(findings) == [fine.pk] and "Soon AG" in findings[fine.pk][0].reason

    @pytest.mark.parametrize("count", [1, 50])
    def test_health_checks_are_flat(self, count, django_assert_num_queries):
        today = timezone.localdate()
        partners = PartnerFactory.create_batch(count)
        for partner in partners:
            _age(partner, 200)
            ActivityFactory(partner=partner, kind="sync_meeting", occurred_on=today - timedelta(days=100))
            DealRegistrationFactory(partner=partner, status="approved", expires_on=today + timedelta(days=3))
        ids = [p.pk for p in partners]
        with django_assert_num_queries(5):
            assert len(sync_meeting_overdue(ids, today)) == count
            assert len(no_recent_activity(ids, today)) == count
            assert len(registrations_expiring_check(ids, today)) == count

    def test_calendar(self, manager, sales):
        today = timezone.localdate()
        partner = PartnerFactory(manager=manager, sync_cadence="monthly")
        ActivityFactory(partner=partner, kind="sync_meeting", occurred_on=today - timedelta(days=3))
        events = sync_meeting_events(manager, today)
        assert [e.day for e in events] == [today + timedelta(days=27)]
        DealRegistrationFactory(owner=sales, status="approved", expires_on=today + timedelta(days=50))
        events = registration_expiry_events(sales, today)
        assert len(events) == 1 and events[0].uid.startswith("deal-registration-expiry-")

"""QBRs (issue 20, item 6): a QBR counts as a sync meeting; strategic partners (with an executive
sponsor) have a quarterly QBR cadence with the qbr_due reminder, an inbox item and a calendar entry."""

from datetime import timedelta

import pytest
from django.utils import timezone

from activities import qbr, selectors
from activities.models import Activity
from partnerhub import reminders
from partnerhub.attention import ATTENTION_PROVIDERS, CALENDAR_PROVIDERS
from partners.models import Partner, PartnerTeamMember

from ..factories import PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _backdate(partner, days):
    Partner.objects.filter(pk=partner.pk).update(created_at=timezone.now() - timedelta(days=days))
    partner.refresh_from_db()


def _log(partner, kind, days_ago):
    Activity.objects.create(
        partner=partner, kind=kind, occurred_on=timezone.localdate() - timedelta(days=days_ago), subject=f"{kind} {days_ago}"
    )


def test_a_qbr_counts_as_a_sync_meeting(manager):
    partner = PartnerFactory(manager=manager, sync_cadence="monthly")
    _backdate(partner, 200)
    today = timezone.localdate()
    _log(partner, "sync_meeting", 60)
    assert selectors.sync_status_for_partners([partner.pk], today)[partner.pk].overdue
    _log(partner, "qbr", 5)
    status = selectors.sync_status_for_partners([partner.pk], today)[partner.pk]
    assert status.last_sync == today - timedelta(days=5) and not status.overdue
    assert reminders.run_reminder("sync_meeting_due") == 0


def test_strategic_partners_get_a_quarterly_qbr_reminder_inbox_item_and_calendar_entry(manager, mailoutbox):
    sponsor = UserFactory()
    strategic = PartnerFactory(name="Strategic AG", manager=manager, sync_cadence="none")
    PartnerTeamMember.objects.create(partner=strategic, user=sponsor, role=PartnerTeamMember.Role.EXECUTIVE_SPONSOR)
    ordinary = PartnerFactory(name="Ordinary AG", manager=manager, sync_cadence="none")
    for partner in (strategic, ordinary):
        _backdate(partner, 400)
        _log(partner, "qbr", 85)  # next QBR in 6 days: inside the 14-day lead time
    today = timezone.localdate()

    assert reminders.run_reminder("qbr_due") == 1
    assert reminders.run_reminder("qbr_due") == 0  # once per due date
    [mail] = mailoutbox
    assert "Quarterly business review with Strategic AG is due" in mail.subject
    items = ATTENTION_PROVIDERS["qbrs_due"](manager, today)
    assert [i.title for i in items] == ["Strategic AG: quarterly business review"]
    assert items[0].due == today + timedelta(days=6) and not items[0].overdue
    events = CALENDAR_PROVIDERS["qbrs_due"](manager, today)
    assert [e.title for e in events] == ["QBR due: Strategic AG"]

    _log(strategic, "qbr", 0)  # held: the next one is a quarter away
    assert qbr.qbr_status([strategic], Partner.objects.filter(pk=strategic.pk))[strategic.pk].next_due == today + timedelta(
        days=qbr.cadence_days()
    )
    assert ATTENTION_PROVIDERS["qbrs_due"](manager, today) == []


def test_a_strategic_partner_without_any_qbr_is_due_a_quarter_after_it_was_created(manager):
    partner = PartnerFactory(manager=manager)
    PartnerTeamMember.objects.create(partner=partner, user=UserFactory(), role=PartnerTeamMember.Role.EXECUTIVE_SPONSOR)
    _backdate(partner, 120)
    [item] = ATTENTION_PROVIDERS["qbrs_due"](manager, timezone.localdate())
    assert item.overdue
    assert reminders.run_reminder("qbr_due") == 1

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partnerhub import reminders
from partnerhub.models import Notification, ReminderSent

from ..factories import ContractFactory, PartnerFactory, RiskAssessmentFactory

pytestmark = pytest.mark.django_db


def run_reminders_output() -> dict[str, str]:
    out = StringIO()
    call_command("run_reminders", stdout=out)
    return dict(line.split(": ", 1) for line in out.getvalue().strip().splitlines())


def test_run_reminders_sends_each_due_reminder_once(manager, mailoutbox):
    today = timezone.localdate()
    partner = PartnerFactory(manager=manager)
    # notice deadline in 30 days: due; in 200 days: not yet
    ContractFactory(partner=partner, end_date=today + timedelta(days=120), notice_period_days=90, title="Due soon")
    ContractFactory(partner=partner, end_date=today + timedelta(days=300), notice_period_days=100, title="Later")
    RiskAssessmentFactory(partner=partner, assessed_on=today - timedelta(days=400), next_review_due=today - timedelta(days=1))
    # A newer assessment replaces an old overdue one: the old one is history, not due.
    other = PartnerFactory(manager=manager)
    RiskAssessmentFactory(partner=other, assessed_on=today - timedelta(days=800), next_review_due=today - timedelta(days=400))
    RiskAssessmentFactory(partner=other, assessed_on=today - timedelta(days=10), next_review_due=today + timedelta(days=355))

    first = run_reminders_output()
    assert first["contract_notice_deadline"] == "1 sent"
    assert first["supplier_risk_review_due"] == "1 sent"
    # One email for the run: a digest of both, grouped by kind then partner, each with its link.
    assert len(mailoutbox) == 1
    digest = mailoutbox[0]
    assert digest.to == [manager.email]
    assert digest.subject == "[PartnerHub] 2 reminders: contract notice deadlines (1), supplier risk reviews due (1)"
    assert digest.extra_headers["X-PartnerHub-Kind"] == "contract_notice_deadline,supplier_risk_review_due"
    assert "Due soon" in digest.body and partner.name in digest.body
    assert f"{partner.get_absolute_url()}#contracts" in digest.body and f"{partner.get_absolute_url()}#risk" in digest.body
    assert digest.body.index("Contract notice deadlines") < digest.body.index("Supplier risk reviews due")
    assert Notification.objects.filter(recipient=manager).count() == 2  # in-app: one per reminder

    second = run_reminders_output()
    assert set(second.values()) == {"0 sent"} | ({v for k, v in second.items() if k not in reminders.REMINDERS})
    assert all(second[kind] == "0 sent" for kind in reminders.REMINDERS)
    assert len(mailoutbox) == 1


def test_a_moved_deadline_is_a_new_reminder(manager, mailoutbox):
    today = timezone.localdate()
    contract = ContractFactory(
        partner=PartnerFactory(manager=manager), end_date=today + timedelta(days=100), notice_period_days=60
    )
    assert reminders.run_reminder("contract_notice_deadline") == 1
    contract.end_date = today + timedelta(days=110)
    contract.save()
    assert reminders.run_reminder("contract_notice_deadline") == 1
    assert ReminderSent.objects.filter(kind="contract_notice_deadline").count() == 2


def test_a_failing_mail_server_rolls_back_the_claim_so_the_next_run_retries(manager, monkeypatch):
    today = timezone.localdate()
    ContractFactory(partner=PartnerFactory(manager=manager), end_date=today + timedelta(days=100), notice_period_days=60)

    def broken_send(self, *args, **kwargs):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken_send)
    assert reminders.run_reminder("contract_notice_deadline") == 0
    assert not ReminderSent.objects.exists() and not Notification.objects.exists()
    monkeypatch.undo()
    assert reminders.run_reminder("contract_notice_deadline") == 1


def test_archived_partners_get_no_reminders(manager):
    today = timezone.localdate()
    ContractFactory(
        partner=PartnerFactory(manager=manager, archived=True), end_date=today + timedelta(days=100), notice_period_days=60
    )
    assert reminders.run_reminder("contract_notice_deadline") == 0


@pytest.mark.parametrize("count", [1, 12])
def test_a_sweep_delivers_any_number_of_reminders_in_a_fixed_number_of_queries(count, manager, mailoutbox):
    today = timezone.localdate()
    partner = PartnerFactory(manager=manager)
    ContractFactory.create_batch(count, partner=partner, end_date=today + timedelta(days=100), notice_period_days=60)
    # The sweep's query, the already-sent lookup, the content type (unless cached), then one chunk:
    # the claims' INSERT, the recipients' notification settings, the notifications' INSERT and their
    # savepoints. Not a round trip per reminder.
    with CaptureQueriesContext(connection) as queries:
        assert reminders.run_reminder("contract_notice_deadline") == count
    assert len(queries) <= 10, [q["sql"][:80] for q in queries.captured_queries]
    assert len(mailoutbox) == 1  # one email for the manager: the reminder itself, or a digest of them

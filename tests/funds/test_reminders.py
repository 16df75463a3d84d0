from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from funds.models import FundClaim
from partnerhub import reminders
from partnerhub.models import Notification, ReminderSent
from partnerhub.roles import Role

from ..factories import PartnerFactory, UserFactory
from .factories import FundAllocationFactory, FundClaimFactory, InvoiceFactory

pytestmark = pytest.mark.django_db


def run_reminders_output() -> dict[str, str]:
    out = StringIO()
    call_command("run_reminders", stdout=out)
    return dict(line.split(": ", 1) for line in out.getvalue().strip().splitlines())


def draft_due_in(days: int, **kwargs) -> FundClaim:
    """A draft whose claim deadline (activity end + 90 days) is `days` from today."""
    end = timezone.localdate() + timedelta(days=days - 90)
    return FundClaimFactory(activity_start=end, activity_end=end, **kwargs)


def test_claim_deadline_reminder_once_then_zero(manager, mailoutbox):
    allocation = FundAllocationFactory(partner=PartnerFactory(manager=manager), claim_deadline_days=90)
    due = draft_due_in(14, allocation=allocation, title="Roadshow claim")
    draft_due_in(15, allocation=allocation)  # not yet
    draft_due_in(-1, allocation=allocation)  # deadline passed: too late to remind
    FundClaimFactory(
        allocation=allocation,
        status=FundClaim.Status.SUBMITTED,
        tool_reference="X",
        activity_start=due.activity_end,
        activity_end=due.activity_end,
    )  # filed: nothing to remind
    draft_due_in(3, allocation=FundAllocationFactory(partner=PartnerFactory(manager=manager, archived=True)))

    first = run_reminders_output()
    assert first["fund_claim_deadline"] == "1 sent"
    assert [m.to for m in mailoutbox] == [[manager.email]]
    assert "Roadshow claim" in mailoutbox[0].subject
    assert Notification.objects.get(recipient=manager).url == due.get_absolute_url()
    assert run_reminders_output()["fund_claim_deadline"] == "0 sent"
    assert len(mailoutbox) == 1


def test_invoice_overdue_goes_to_accounting_and_manager_weekly(manager, accounting, mailoutbox):
    other_accountant = UserFactory(username="accountant2", roles=[Role.ACCOUNTING])
    today = timezone.localdate()
    partner = PartnerFactory(manager=manager)
    invoice = InvoiceFactory(
        claim__allocation__partner=partner, issued_on=today - timedelta(days=31), due_on=today - timedelta(days=1)
    )
    due_today = InvoiceFactory(
        claim__allocation__partner=partner, issued_on=today - timedelta(days=30), due_on=today
    )  # not overdue yet
    InvoiceFactory(
        claim__allocation__partner=partner,
        issued_on=today - timedelta(days=60),
        due_on=today - timedelta(days=30),
        paid_on=today - timedelta(days=2),
    )  # paid

    assert run_reminders_output()["invoice_overdue"] == "1 sent"
    assert sorted(m.to[0] for m in mailoutbox) == sorted([manager.email, accounting.email, other_accountant.email])
    assert ReminderSent.objects.get(kind="invoice_overdue").due_key == "w0"
    assert run_reminders_output()["invoice_overdue"] == "0 sent"
    due_today.paid_on = today
    due_today.save()

    # Six days later it is still week 0: nothing new. On day 7 the weekly follow-up goes out once.
    assert reminders.run_reminder("invoice_overdue", today + timedelta(days=5)) == 0
    assert reminders.run_reminder("invoice_overdue", today + timedelta(days=6)) == 1
    assert reminders.run_reminder("invoice_overdue", today + timedelta(days=6)) == 0
    # Week 2 is missed (no run); on day 21 the current week (w3) goes out, not a backlog.
    assert reminders.run_reminder("invoice_overdue", today + timedelta(days=20)) == 1
    assert set(ReminderSent.objects.filter(kind="invoice_overdue", object_id=invoice.pk).values_list("due_key", flat=True)) == {
        "w0",
        "w1",
        "w3",
    }

    invoice.paid_on = today + timedelta(days=21)
    invoice.save()
    assert reminders.run_reminder("invoice_overdue", today + timedelta(days=30)) == 0


def test_sweeps_are_bulk(manager, accounting, django_assert_max_num_queries):
    today = timezone.localdate()
    for _ in range(15):
        InvoiceFactory(issued_on=today - timedelta(days=40), due_on=today - timedelta(days=10))
        draft_due_in(5)
    # Producing the due reminders costs a fixed number of queries (delivering them too, in chunks:
    # tests/partnerhub/test_reminder_delivery.py).
    with django_assert_max_num_queries(3):
        due = list(reminders.REMINDERS["invoice_overdue"](today))
    assert len(due) == 15
    with django_assert_max_num_queries(1):
        due = list(reminders.REMINDERS["fund_claim_deadline"](today))
    assert len(due) == 15

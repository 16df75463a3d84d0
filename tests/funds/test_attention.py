from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from funds import attention
from partners.health import partner_health_refresh

from ..factories import PartnerFactory
from ..helpers import partner_page
from .factories import FundAllocationFactory, FundClaimFactory, InvoiceFactory

pytestmark = pytest.mark.django_db


def setup_items(manager):
    today = timezone.localdate()
    mine, theirs = PartnerFactory(manager=manager), PartnerFactory()
    end = today + timedelta(days=10 - 90)
    FundClaimFactory(allocation=FundAllocationFactory(partner=mine), title="My draft", activity_start=end, activity_end=end)
    FundClaimFactory(allocation=FundAllocationFactory(partner=theirs), title="Their draft", activity_start=end, activity_end=end)
    InvoiceFactory(
        number="MINE-LATE",
        claim__allocation__partner=mine,
        issued_on=today - timedelta(days=60),
        due_on=today - timedelta(days=40),
    )
    InvoiceFactory(
        number="THEIRS-LATE",
        claim__allocation__partner=theirs,
        issued_on=today - timedelta(days=40),
        due_on=today - timedelta(days=5),
    )
    InvoiceFactory(number="THEIRS-SOON", claim__allocation__partner=theirs, issued_on=today, due_on=today + timedelta(days=30))
    return mine, theirs


def test_attention_items_per_role(manager, marketing, accounting, sales, admin_user):
    setup_items(manager)
    today = timezone.localdate()
    titles = lambda provider, user: sorted(i.title for i in provider(user, today))  # noqa: E731
    mine_only = titles(attention.fund_claim_deadlines, manager)
    assert len(mine_only) == 1 and "My draft" in mine_only[0]
    assert len(titles(attention.fund_claim_deadlines, marketing)) == 2
    assert len(titles(attention.fund_claim_deadlines, admin_user)) == 2
    assert titles(attention.fund_claim_deadlines, sales) == []
    assert len(attention.overdue_invoices(accounting, today)) == 2
    assert [i.title for i in attention.overdue_invoices(manager, today)][0].endswith("unpaid")
    assert len(attention.overdue_invoices(manager, today)) == 1
    assert attention.overdue_invoices(sales, today) == []


def test_health_check_watch_and_at_risk(manager):
    mine, theirs = setup_items(manager)
    ok = PartnerFactory()
    findings = attention.overdue_invoices_health([mine.pk, theirs.pk, ok.pk], timezone.localdate())
    assert findings[mine.pk][0].severity == "at_risk"  # 40 days overdue
    assert findings[theirs.pk][0].severity == "watch"
    assert "overdue" in findings[theirs.pk][0].reason
    assert ok.pk not in findings
    partner_health_refresh(partner_ids=[mine.pk])
    mine.refresh_from_db()
    assert mine.health == "at_risk"


def test_calendar_events(manager, accounting):
    setup_items(manager)
    today = timezone.localdate()
    accounting_events = attention.invoice_due_events(accounting, today)
    assert {e.title.split(" ")[2] for e in accounting_events} == {"MINE-LATE", "THEIRS-LATE", "THEIRS-SOON"}
    assert len(attention.invoice_due_events(manager, today)) == 1
    deadlines = attention.claim_deadline_events(manager, today)
    assert len(deadlines) == 1 and deadlines[0].day == today + timedelta(days=10)
    assert deadlines[0].uid.endswith("@partnerhub")


def test_partner_section(manager_client, manager, django_assert_max_num_queries):
    from funds.selectors import partner_funds

    partner = PartnerFactory(manager=manager)
    chf = FundAllocationFactory(partner=partner, currency="CHF", amount=Decimal("1000"))
    FundAllocationFactory(partner=partner, currency="EUR", amount=Decimal("500"))
    for _ in range(5):
        InvoiceFactory(claim__allocation=chf, claim__requested_amount=Decimal("100"), claim__approved_amount=Decimal("100"))
    with django_assert_max_num_queries(2):
        section = partner_funds(partner_id=partner.pk)
    totals = {u.currency: u for u in section["totals"]}
    assert totals["CHF"].invoiced == Decimal("500") and totals["EUR"].allocated == Decimal("500")
    assert len(section["open_claims"]) == 5
    assert 'data-testid="partner-funds"' in partner_page(manager_client, partner)

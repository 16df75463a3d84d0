from datetime import date, timedelta
from decimal import Decimal

import pytest

from partnerhub.models import Notification, ReminderSent
from partnerhub.reminders import run_housekeeping, run_reminder
from partners.health import partner_health_refresh
from partners.models import Partner
from reporting.models import LicenseReport

from ..factories import PartnerFactory
from .factories import AgreementFactory, ReportFactory

pytestmark = pytest.mark.django_db


class TestCreateReports:
    def test_creates_last_months_reports_once(self):
        required = AgreementFactory(due_day=12, currency="EUR")
        AgreementFactory(reporting_required=False)
        AgreementFactory(partner=PartnerFactory(archived=True))
        ReportFactory(partner=required.partner, month=date(2026, 1, 1), total=Decimal("99.00"))
        assert run_housekeeping("license_reports_create", date(2026, 3, 1)) == 1
        report = LicenseReport.objects.get(month=date(2026, 2, 1))
        assert report.partner == required.partner and report.status == "due" and report.currency == "EUR"
        assert report.due_on == date(2026, 3, 12)
        assert report.previous_total == Decimal("99.00")
        # Hourly runs later that month change nothing.
        assert run_housekeeping("license_reports_create", date(2026, 3, 1)) == 0
        assert run_housekeeping("license_reports_create", date(2026, 3, 20)) == 0
        assert LicenseReport.objects.filter(month=date(2026, 2, 1)).count() == 1

    def test_bulk_query_count_does_not_grow_with_partners(self, django_assert_max_num_queries):
        for _ in range(20):
            AgreementFactory()
        with django_assert_max_num_queries(4):
            assert run_housekeeping("license_reports_create", date(2026, 3, 1)) == 20


class TestReportDueReminder:
    def test_on_the_due_day_then_weekly_to_the_manager_while_not_submitted(self, manager, mailoutbox):
        partner = AgreementFactory(partner=PartnerFactory(manager=manager)).partner
        report = ReportFactory(partner=partner, month=date(2026, 1, 1), due_on=date(2026, 2, 10))
        assert run_reminder("license_report_due", date(2026, 2, 9)) == 0  # not yet due
        assert run_reminder("license_report_due", date(2026, 2, 10)) == 1
        assert run_reminder("license_report_due", date(2026, 2, 10)) == 0  # once per due report
        assert run_reminder("license_report_due", date(2026, 2, 16)) == 0  # still the same week
        assert run_reminder("license_report_due", date(2026, 2, 17)) == 1  # a week overdue
        assert set(ReminderSent.objects.values_list("due_key", flat=True)) == {"w0", "w1"}
        assert Notification.objects.filter(recipient=manager, kind="license_report_due").count() == 2
        assert "overdue since 10.02.2026" in mailoutbox[-1].subject
        report.status = LicenseReport.Status.SUBMITTED
        report.save()
        assert run_reminder("license_report_due", date(2026, 3, 1)) == 0

    def test_not_for_partners_without_reporting_or_without_manager(self):
        ReportFactory(partner=AgreementFactory(reporting_required=False).partner, due_on=date(2026, 2, 10))
        ReportFactory(partner=AgreementFactory(partner=PartnerFactory(manager=None)).partner, due_on=date(2026, 2, 10))
        assert run_reminder("license_report_due", date(2026, 2, 20)) == 0


class TestHealth:
    def test_overdue_reports_put_the_partner_on_watch_then_at_risk(self):
        today = date.today()
        partner = AgreementFactory().partner
        ReportFactory(partner=partner, month=date(2025, 1, 1), due_on=today - timedelta(days=3))
        partner_health_refresh(today=today)
        partner.refresh_from_db()
        assert partner.health in {Partner.Health.WATCH, Partner.Health.AT_RISK}
        assert any("1 license report overdue" in reason for reason in partner.health_reasons)
        LicenseReport.objects.update(due_on=today - timedelta(days=45))
        assert run_housekeeping("partner_health", today) >= 1
        partner.refresh_from_db()
        assert partner.health == Partner.Health.AT_RISK

    def test_submitted_reports_are_fine(self):
        partner = AgreementFactory().partner
        ReportFactory(partner=partner, status="submitted", due_on=date(2025, 1, 10))
        partner_health_refresh()
        partner.refresh_from_db()
        assert not any("license report" in reason for reason in partner.health_reasons)


class TestMonthlySummary:
    def test_once_per_manager_and_month_on_the_first(self, manager, mailoutbox):
        partner = AgreementFactory(partner=PartnerFactory(manager=manager)).partner
        ReportFactory(partner=partner, month=date(2026, 2, 1), due_on=date(2026, 3, 10))
        ReportFactory(
            partner=partner, month=date(2026, 1, 1), status="submitted", total=Decimal("120.00"), previous_total=Decimal("100.00")
        )
        assert run_housekeeping("monthly_summary", date(2026, 3, 1)) == 1
        assert run_housekeeping("monthly_summary", date(2026, 3, 1)) == 0
        assert run_housekeeping("monthly_summary", date(2026, 3, 2)) == 0
        body = Notification.objects.get(recipient=manager, kind="monthly_summary").body
        assert "license report for February 2026 due 10.03.2026" in body
        assert "CHF 120.00, +20.00 against the month before" in body
        assert run_housekeeping("monthly_summary", date(2026, 3, 20)) == 0  # not mid-month
        assert run_housekeeping("monthly_summary", date(2026, 4, 1)) == 1  # next month again

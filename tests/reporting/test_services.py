from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from partnerhub import outbox
from partnerhub.models import Notification, ReminderSent
from partnerhub.reminders import run_reminder
from reporting import services
from reporting.models import LicenseReport, LicenseReportLine

from ..factories import PartnerFactory
from .factories import AgreementFactory, LineFactory, ReportFactory

pytestmark = pytest.mark.django_db

JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)


def line(**overrides):
    data = {
        "product": "OpenShift Container Platform, Premium, 2 cores",
        "unit": "subscriptions",
        "quantity": Decimal("10"),
        "unit_price": Decimal("180.00"),
        "currency": "CHF",
        "term": "monthly",
    }
    data.update(overrides)
    return data


class TestReportCreate:
    def test_uses_the_agreement_and_refuses_a_second_report_for_the_month(self):
        agreement = AgreementFactory(due_day=15, currency="EUR")
        report = services.report_create(partner=agreement.partner, month=date(2026, 1, 20))
        assert report.month == JAN and report.due_on == date(2026, 2, 15) and report.currency == "EUR"
        with pytest.raises(ValidationError, match="A report for this month already exists"):
            services.report_create(partner=agreement.partner, month=JAN)
        assert LicenseReport.objects.count() == 1

    def test_the_database_refuses_a_duplicate_too(self):
        report = ReportFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            LicenseReport.objects.create(partner=report.partner, month=report.month, due_on=report.due_on)

    def test_without_agreement_defaults_and_december_rolls_over(self):
        report = services.report_create(partner=PartnerFactory(), month=date(2025, 12, 1))
        assert report.due_on == date(2026, 1, 10) and report.currency == "CHF"


class TestLines:
    def test_totals_status_and_previous_month(self):
        partner = AgreementFactory().partner
        jan = ReportFactory(partner=partner, month=JAN)
        services.line_add(report=jan, **line(quantity=Decimal("10")))
        feb = services.report_create(partner=partner, month=FEB)
        assert feb.previous_total == Decimal("1800.00")
        added = services.line_add(report=feb, **line(quantity=Decimal("12")))
        services.line_add(report=feb, **line(product="RHEL", quantity=Decimal("3"), unit_price=Decimal("45.50"), term="yearly"))
        feb.refresh_from_db()
        assert feb.status == LicenseReport.Status.DRAFT
        assert feb.total == Decimal("2296.50") and feb.change == Decimal("496.50")
        services.line_update(line=added, **line(quantity=Decimal("11")))
        feb.refresh_from_db()
        assert feb.total == Decimal("2116.50")
        yearly = LicenseReportLine.objects.get(product="RHEL")
        assert yearly.line_total == Decimal("136.50") and yearly.monthly_equivalent == Decimal("11.38")
        services.line_delete(line=yearly)
        feb.refresh_from_db()
        assert feb.total == Decimal("1980.00")

    @pytest.mark.parametrize(
        "bad", [{"quantity": Decimal("-1")}, {"unit_price": Decimal("-0.01")}, {"currency": "EUR"}, {"currency": "XXX"}]
    )
    def test_bad_lines_are_refused_and_nothing_is_saved(self, bad):
        report = ReportFactory()
        with pytest.raises(ValidationError):
            services.line_add(report=report, **line(**bad))
        assert not LicenseReportLine.objects.exists()
        report.refresh_from_db()
        assert report.status == LicenseReport.Status.DUE and report.total == 0

    def test_line_currency_error_names_the_report_currency(self):
        report = ReportFactory(currency="EUR")
        with pytest.raises(ValidationError) as error:
            services.line_add(report=report, **line(currency="CHF"))
        assert "report's currency (EUR)" in str(error.value.message_dict["currency"])

    def test_database_refuses_negative_quantity(self):
        report = ReportFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            LicenseReportLine.objects.create(report=report, product="x", quantity=-1, unit_price=1, currency="CHF")

    def test_submitted_and_acknowledged_reports_cannot_be_edited(self, accounting):
        report = ReportFactory()
        existing = services.line_add(report=report, **line())
        services.report_submit(report=report, by=accounting)
        for attempt in [
            lambda: services.line_add(report=report, **line(product="More")),
            lambda: services.line_update(line=existing, **line(quantity=Decimal("1"))),
            lambda: services.line_delete(line=existing),
            lambda: services.report_copy_previous(report=report),
        ]:
            with pytest.raises(ValidationError, match="can no longer be edited"):
                attempt()
        services.report_acknowledge(report=report, by=accounting)
        with pytest.raises(ValidationError, match="can no longer be edited"):
            services.line_add(report=report, **line(product="More"))
        existing.refresh_from_db()
        assert existing.quantity == Decimal("10") and LicenseReportLine.objects.count() == 1


class TestStartFromLastMonth:
    def test_copies_last_months_lines(self):
        jan = ReportFactory(month=JAN)
        LineFactory(report=jan, product="A", quantity=2, unit_price=10)
        LineFactory(report=jan, product="B", quantity=3, unit_price=5)
        feb = ReportFactory(partner=jan.partner, month=FEB)
        assert services.report_copy_previous(report=feb) == 2
        feb.refresh_from_db()
        assert feb.total == Decimal("35.00") and feb.status == LicenseReport.Status.DRAFT
        with pytest.raises(ValidationError, match="already has lines"):
            services.report_copy_previous(report=feb)

    def test_nothing_to_copy_is_a_clear_error(self):
        with pytest.raises(ValidationError, match="no report with lines for the previous month"):
            services.report_copy_previous(report=ReportFactory(month=FEB))


class TestTransitions:
    def test_only_listed_moves(self, accounting):
        report = ReportFactory()
        with pytest.raises(ValidationError, match="cannot become acknowledged"):
            services.report_acknowledge(report=report, by=accounting)
        services.report_submit(report=report, by=accounting)
        report.refresh_from_db()
        assert report.status == "submitted" and report.submitted_by == accounting and report.submitted_at
        with pytest.raises(ValidationError, match="cannot become submitted"):
            services.report_submit(report=report, by=accounting)


class TestAccountingAlert:
    def test_threshold_tells_accounting_once_in_app_and_by_email(self, accounting, manager, mailoutbox):
        agreement = AgreementFactory(accounting_threshold=Decimal("1000"))
        report = ReportFactory(partner=agreement.partner)
        services.line_add(report=report, **line(quantity=Decimal("10")))  # 1800 CHF
        services.report_submit(report=report, by=manager)
        assert Notification.objects.filter(recipient=accounting, kind="license_invoice_upcoming").count() == 1
        assert not Notification.objects.filter(recipient=manager).exists()
        assert outbox.deliver_due() == 1  # the worker sends the queued mail after the commit
        assert [m.to for m in mailoutbox] == [[accounting.email]]
        assert "reaches the threshold" in mailoutbox[0].body
        # The sweep (safety net) and a second attempt do not tell them again.
        assert run_reminder("license_invoice_upcoming") == 0
        assert services.invoice_alert_send(report=report) is False
        assert Notification.objects.filter(kind="license_invoice_upcoming").count() == 1

    def test_growth_above_the_percentage_tells_accounting(self, accounting, manager):
        agreement = AgreementFactory(accounting_threshold=Decimal("100000"), growth_alert_percent=20)
        jan = ReportFactory(partner=agreement.partner, month=JAN)
        services.line_add(report=jan, **line(quantity=Decimal("10")))
        services.report_submit(report=jan, by=manager)
        feb = ReportFactory(partner=agreement.partner, month=FEB)
        services.line_add(report=feb, **line(quantity=Decimal("12")))  # exactly +20 %: not more than 20 %
        services.report_submit(report=feb, by=manager)
        assert not Notification.objects.exists()
        mar = ReportFactory(partner=agreement.partner, month=date(2026, 3, 1))
        services.line_add(report=mar, **line(quantity=Decimal("15")))  # +25 %
        services.report_submit(report=mar, by=manager)
        notification = Notification.objects.get(recipient=accounting)
        assert "grew by 25.0 %" in notification.body

    def test_sweep_catches_up_when_the_alert_on_submit_was_lost(self, accounting, monkeypatch):
        from django.utils import timezone

        agreement = AgreementFactory(accounting_threshold=Decimal("1000"))
        today = timezone.localdate()
        report = ReportFactory(
            partner=agreement.partner, month=date(today.year, today.month, 1), status="submitted", total=Decimal("5000")
        )
        assert run_reminder("license_invoice_upcoming") == 1
        assert run_reminder("license_invoice_upcoming") == 0
        assert ReminderSent.objects.get(kind="license_invoice_upcoming").object_id == report.pk

    def test_below_threshold_without_growth_tells_nobody(self, accounting, manager):
        report = ReportFactory(partner=AgreementFactory(accounting_threshold=Decimal("100000")).partner)
        services.line_add(report=report, **line())
        services.report_submit(report=report, by=manager)
        assert not Notification.objects.exists()


def test_calendar_token_reset_replaces_the_token(manager):
    first = services.calendar_token_reset(user=manager).token
    second = services.calendar_token_reset(user=manager).token
    assert first != second and len(second) >= 40

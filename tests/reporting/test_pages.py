import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from partners.models import Partner
from reporting import services
from reporting.models import LicenseReport, LicenseReportLine, ReportingAgreement

from ..factories import PartnerFactory
from ..helpers import partner_page
from .factories import AgreementFactory, LineFactory, ReportFactory

pytestmark = pytest.mark.django_db

WRITERS = ["manager_client", "accounting_client", "admin_client_"]
NON_WRITERS = ["sales_client", "marketing_client", "outsider_client"]


def csv_rows(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def line_post(**overrides):
    data = {
        "product": "OpenShift Container Platform, Premium, 2 cores",
        "unit": "subscriptions",
        "quantity": "10",
        "unit_price": "180.00",
        "currency": "CHF",
        "term": "monthly",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/reporting/reports/",
        "/reporting/reports/new/",
        "/reporting/health/",
        "/reporting/overview/",
        "/reporting/calendar/",
        "/reporting/reports/1/",
    ],
)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


class TestReportList:
    def test_lists_and_filters(self, outsider_client):
        a = ReportFactory(partner=PartnerFactory(name="Alpha"), month=date(2026, 1, 1))
        ReportFactory(partner=PartnerFactory(name="Beta"), month=date(2026, 2, 1), status="submitted")
        response = outsider_client.get(reverse("reporting:reports"))
        assert response.status_code == 200 and b"Alpha" in response.content and b"Beta" in response.content
        for params in [{"partner": a.partner.pk}, {"month": "2026-01"}, {"status": "due"}]:
            names = [r.partner.name for r in outsider_client.get(reverse("reporting:reports"), params).context["page_obj"]]
            assert names == ["Alpha"], params
        response = outsider_client.get(reverse("reporting:reports"), {"month": "January"})
        assert response.status_code == 200 and list(response.context["page_obj"]) == []
        assert outsider_client.get(reverse("reporting:reports"), {"sort": "partner__manager__password"}).status_code == 200

    def test_csv_respects_filters(self, sales_client):
        ReportFactory(partner=PartnerFactory(name="=HYPERLINK()"), month=date(2026, 1, 1), total=Decimal("12.50"))
        ReportFactory(month=date(2026, 2, 1))
        rows = csv_rows(sales_client.get(reverse("reporting:reports"), {"month": "2026-01", "format": "csv"}))
        assert rows[0][0] == "Partner" and len(rows) == 2
        assert rows[1][0] == "'=HYPERLINK()" and rows[1][5] == "12.50"

    @pytest.mark.parametrize("rows", [1, 50])
    def test_query_count_is_flat(self, rows, manager_client, django_assert_num_queries):
        for i in range(rows):
            ReportFactory(month=date(2024 + i // 12, i % 12 + 1, 1))
        # session, user, count, page (+partner, manager), partner filter options
        with django_assert_num_queries(5):
            assert manager_client.get(reverse("reporting:reports")).status_code == 200


class TestReportCreate:
    @pytest.mark.parametrize("persona", WRITERS)
    def test_writers_create(self, persona, request):
        partner = AgreementFactory(due_day=20).partner
        response = request.getfixturevalue(persona).post(
            reverse("reporting:report-create"), {"partner": partner.pk, "month": "2026-03"}
        )
        report = LicenseReport.objects.get()
        assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
        assert report.due_on == date(2026, 4, 20)

    def test_duplicate_month_is_a_form_error(self, accounting_client):
        report = ReportFactory(month=date(2026, 3, 1))
        response = accounting_client.post(reverse("reporting:report-create"), {"partner": report.partner.pk, "month": "2026-03"})
        assert response.status_code == 200 and "A report for this month already exists" in str(response.context["form"].errors)
        assert LicenseReport.objects.count() == 1

    @pytest.mark.parametrize("month", ["", "2026-13", "March", "2026-03-01x"])
    def test_bad_month_is_a_form_error(self, accounting_client, month):
        response = accounting_client.post(reverse("reporting:report-create"), {"partner": PartnerFactory().pk, "month": month})
        assert response.status_code == 200 and response.context["form"].errors["month"]
        assert not LicenseReport.objects.exists()

    @pytest.mark.parametrize("persona", NON_WRITERS)
    def test_other_roles_get_403(self, persona, request):
        client = request.getfixturevalue(persona)
        assert client.get(reverse("reporting:report-create")).status_code == 403
        assert (
            client.post(reverse("reporting:report-create"), {"partner": PartnerFactory().pk, "month": "2026-03"}).status_code
            == 403
        )
        assert not LicenseReport.objects.exists()


class TestReportDetail:
    def test_lines_totals_and_change_per_line(self, outsider_client):
        jan = ReportFactory(month=date(2026, 1, 1), total=Decimal("1050.00"))
        LineFactory(report=jan, product="OpenShift", quantity=10, unit_price=100)
        LineFactory(report=jan, product="Gone product", quantity=1, unit_price=50)
        feb = ReportFactory(partner=jan.partner, month=date(2026, 2, 1))
        services.line_add(
            report=feb,
            product="openshift ",
            unit="x",
            quantity=Decimal("12"),
            unit_price=Decimal("100"),
            currency="CHF",
            term="monthly",
        )
        response = outsider_client.get(feb.get_absolute_url())
        assert response.status_code == 200
        row = response.context["rows"][0]
        assert row.previous_total == Decimal("1000.00") and row.change == Decimal("200.00")
        assert [line.product for line in response.context["gone"]] == ["Gone product"]
        assert b'data-testid="report-change">+150.00 (14.3 %)' in response.content
        assert b"Add line" not in response.content  # reading is not writing

    def test_unknown_report_is_404(self, outsider_client):
        assert outsider_client.get(reverse("reporting:report-detail", args=[999])).status_code == 404

    @pytest.mark.parametrize("rows", [1, 50])
    def test_query_count_is_flat(self, rows, accounting_client, django_assert_num_queries):
        jan = ReportFactory(month=date(2026, 1, 1))
        feb = ReportFactory(partner=jan.partner, month=date(2026, 2, 1))
        LineFactory.create_batch(rows, report=jan)
        LineFactory.create_batch(rows, report=feb)
        # session, user, report (+partner, agreement, users), lines, previous report, its lines
        with django_assert_num_queries(6):
            assert accounting_client.get(feb.get_absolute_url()).status_code == 200


class TestLines:
    def test_add_edit_delete(self, accounting_client):
        report = ReportFactory()
        response = accounting_client.post(reverse("reporting:line-add", args=[report.pk]), line_post())
        assert response.status_code == 302
        line = LicenseReportLine.objects.get()
        response = accounting_client.post(reverse("reporting:line-edit", args=[report.pk, line.pk]), line_post(quantity="2"))
        assert response.status_code == 302
        report.refresh_from_db()
        assert report.total == Decimal("360.00") and report.status == "draft"
        assert accounting_client.get(reverse("reporting:line-edit", args=[report.pk, line.pk])).status_code == 200
        assert accounting_client.get(reverse("reporting:line-delete", args=[report.pk, line.pk])).status_code == 405
        accounting_client.post(reverse("reporting:line-delete", args=[report.pk, line.pk]))
        report.refresh_from_db()
        assert report.total == 0 and not LicenseReportLine.objects.exists()

    @pytest.mark.parametrize(
        "bad",
        [{"quantity": "-1"}, {"unit_price": "-5"}, {"currency": "EUR"}, {"product": ""}, {"quantity": "abc"}, {"term": "weekly"}],
    )
    def test_bad_line_is_a_form_error_and_saves_nothing(self, accounting_client, bad):
        report = ReportFactory()
        response = accounting_client.post(reverse("reporting:line-add", args=[report.pk]), line_post(**bad))
        assert response.status_code == 200 and response.context["line_form"].errors
        assert not LicenseReportLine.objects.exists()

    def test_currency_error_is_shown(self, accounting_client):
        report = ReportFactory(currency="EUR")
        response = accounting_client.post(reverse("reporting:line-add", args=[report.pk]), line_post(currency="CHF"))
        assert "report&#x27;s currency (EUR)" in response.content.decode()

    def test_submitted_report_cannot_be_edited(self, accounting_client, accounting):
        report = ReportFactory()
        line = LineFactory(report=report)
        services.report_submit(report=report, by=accounting)
        response = accounting_client.post(reverse("reporting:line-add", args=[report.pk]), line_post())
        assert response.status_code == 200 and "can no longer be edited" in response.content.decode()
        response = accounting_client.post(reverse("reporting:line-edit", args=[report.pk, line.pk]), line_post(quantity="1"))
        assert "can no longer be edited" in response.content.decode()
        accounting_client.post(reverse("reporting:line-delete", args=[report.pk, line.pk]))
        line.refresh_from_db()
        assert line.quantity == Decimal("10") and LicenseReportLine.objects.count() == 1

    @pytest.mark.parametrize("persona", NON_WRITERS)
    def test_other_roles_get_403(self, persona, request):
        client = request.getfixturevalue(persona)
        report = ReportFactory()
        line = LineFactory(report=report)
        assert client.post(reverse("reporting:line-add", args=[report.pk]), line_post()).status_code == 403
        assert client.post(reverse("reporting:line-edit", args=[report.pk, line.pk]), line_post(quantity="1")).status_code == 403
        assert client.post(reverse("reporting:line-delete", args=[report.pk, line.pk])).status_code == 403
        assert LicenseReportLine.objects.get().quantity == Decimal("10")


class TestReportActions:
    def test_start_from_last_month_submit_acknowledge(self, accounting_client):
        jan = ReportFactory(month=date(2026, 1, 1))
        LineFactory(report=jan, quantity=3, unit_price=10)
        feb = ReportFactory(partner=jan.partner, month=date(2026, 2, 1))
        assert b'id="report-start-from-last-month"' in accounting_client.get(feb.get_absolute_url()).content
        accounting_client.post(reverse("reporting:report-copy-previous", args=[feb.pk]))
        accounting_client.post(reverse("reporting:report-submit", args=[feb.pk]))
        feb.refresh_from_db()
        assert feb.status == "submitted" and feb.total == Decimal("30.00")
        response = accounting_client.post(reverse("reporting:report-acknowledge", args=[feb.pk]), follow=True)
        feb.refresh_from_db()
        assert feb.status == "acknowledged" and b'data-testid="report-locked"' in response.content

    def test_wrong_move_is_a_message_not_a_500(self, accounting_client):
        report = ReportFactory()
        response = accounting_client.post(reverse("reporting:report-acknowledge", args=[report.pk]), follow=True)
        assert response.status_code == 200 and "cannot become acknowledged" in response.content.decode()
        response = accounting_client.post(reverse("reporting:report-copy-previous", args=[report.pk]), follow=True)
        assert "no report with lines for the previous month" in response.content.decode()

    @pytest.mark.parametrize("name", ["report-submit", "report-acknowledge", "report-copy-previous"])
    def test_get_is_405_and_other_roles_403(self, name, accounting_client, sales_client):
        report = ReportFactory()
        assert accounting_client.get(reverse(f"reporting:{name}", args=[report.pk])).status_code == 405
        assert sales_client.post(reverse(f"reporting:{name}", args=[report.pk])).status_code == 403
        report.refresh_from_db()
        assert report.status == "due"


class TestAgreement:
    def agreement_post(self, **overrides):
        data = {
            "reporting_required": "on",
            "due_day": "12",
            "channel": "email",
            "recipient": "reports@partner.example",
            "accounting_threshold": "5000.00",
            "currency": "EUR",
            "growth_alert_percent": "25",
            "notes": "",
        }
        data.update(overrides)
        return data

    def test_create_then_edit(self, accounting_client):
        partner = PartnerFactory()
        url = reverse("reporting:agreement-edit", args=[partner.slug])
        assert accounting_client.get(url).status_code == 200
        assert accounting_client.post(url, self.agreement_post()).status_code == 302
        assert accounting_client.post(url, self.agreement_post(due_day="28")).status_code == 302
        agreement = ReportingAgreement.objects.get()
        assert agreement.due_day == 28 and agreement.currency == "EUR"
        html = partner_page(accounting_client, partner)
        assert 'data-testid="reporting-agreement"' in html and "reports@partner.example" in html

    @pytest.mark.parametrize(
        "bad",
        [
            {"due_day": "29"},
            {"due_day": "0"},
            {"accounting_threshold": "-1"},
            {"growth_alert_percent": "-5"},
            {"currency": "DOGE"},
            {"channel": "fax"},
        ],
    )
    def test_bad_input_is_a_form_error(self, accounting_client, bad):
        partner = PartnerFactory()
        response = accounting_client.post(reverse("reporting:agreement-edit", args=[partner.slug]), self.agreement_post(**bad))
        assert response.status_code == 200 and response.context["form"].errors
        assert not ReportingAgreement.objects.exists()

    @pytest.mark.parametrize("persona", NON_WRITERS)
    def test_other_roles_get_403(self, persona, request):
        partner = PartnerFactory()
        client = request.getfixturevalue(persona)
        assert client.get(reverse("reporting:agreement-edit", args=[partner.slug])).status_code == 403
        assert client.post(reverse("reporting:agreement-edit", args=[partner.slug]), self.agreement_post()).status_code == 403
        assert not ReportingAgreement.objects.exists()


class TestHealthPage:
    def test_lists_partners_needing_a_look_with_reasons(self, outsider_client):
        PartnerFactory(name="Drifting AG", health=Partner.Health.AT_RISK, health_reasons=["Sync meeting overdue by 40 days"])
        PartnerFactory(name="Fine AG", health=Partner.Health.GOOD)
        response = outsider_client.get(reverse("reporting:health"))
        assert b"Drifting AG" in response.content and b"Sync meeting overdue by 40 days" in response.content
        assert b"Fine AG" not in response.content
        response = outsider_client.get(reverse("reporting:health"), {"health": "good"})
        assert b"Fine AG" in response.content and b"Drifting AG" not in response.content
        rows = csv_rows(outsider_client.get(reverse("reporting:health"), {"format": "csv"}))
        assert rows[1][:2] == ["Drifting AG", "At risk"]

    @pytest.mark.parametrize("rows", [1, 50])
    def test_query_count_is_flat(self, rows, manager_client, django_assert_num_queries):
        PartnerFactory.create_batch(rows, health=Partner.Health.WATCH, health_reasons=["x"])
        # session, user, count, page (+manager), manager filter options
        with django_assert_num_queries(5):
            assert manager_client.get(reverse("reporting:health")).status_code == 200

    def test_recheck_is_post_only_for_partner_managers(self, manager_client, sales_client):
        partner = AgreementFactory().partner
        ReportFactory(partner=partner, due_on=date(2020, 1, 10))
        assert sales_client.post(reverse("reporting:health-refresh")).status_code == 403
        assert manager_client.get(reverse("reporting:health-refresh")).status_code == 405
        assert manager_client.post(reverse("reporting:health-refresh")).status_code == 302
        partner.refresh_from_db()
        assert partner.health == Partner.Health.AT_RISK


class TestOverview:
    def test_charts_tables_and_csv(self, outsider_client):
        partner = PartnerFactory(stage="active")
        ReportFactory(partner=partner, month=date.today().replace(day=1).replace(year=date.today().year - 1), total=Decimal("1"))
        response = outsider_client.get(reverse("reporting:overview"))
        assert response.status_code == 200
        content = response.content.decode()
        assert '<script id="reporting-charts" type="application/json">' in content
        assert "vendor/chartjs/chart.umd.min.js" in content and "js/reporting.js" in content
        assert "<script>" not in content  # no inline scripts (CSP)
        names = [t.name for t in response.context["tables"]]
        assert {"partners_by_type", "partners_by_stage", "report_status", "report_totals", "partner_health"} <= set(names)
        for name in names:
            export = outsider_client.get(reverse("reporting:overview"), {"table": name, "format": "csv"})
            assert export.status_code == 200 and export["Content-Type"].startswith("text/csv"), name
            assert len(csv_rows(export)) >= 1
        rows = csv_rows(outsider_client.get(reverse("reporting:overview"), {"table": "partners_by_stage", "format": "csv"}))
        assert ["Active", "1"] in rows
        assert outsider_client.get(reverse("reporting:overview"), {"table": "nope", "format": "csv"}).status_code == 404

    def test_query_count_does_not_grow_with_data(self, manager_client):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def count():
            with CaptureQueriesContext(connection) as queries:
                assert manager_client.get(reverse("reporting:overview")).status_code == 200
            return len(queries)

        ReportFactory()
        few = count()
        for i in range(10):
            partner = AgreementFactory().partner
            for month in range(1, 13):
                ReportFactory(partner=partner, month=date(2025, month, 1), status="submitted", total=Decimal(i))
        assert count() == few
        assert few <= 20

"""Issue 14, items 2 and 3: far dates, NUL and other control characters, oversize text.

Each finding of the issue that answered 500 (or stored what broke the reminders) has a test here;
the hostile-input suite (tests/security/test_hostile_input.py) tries the same values on every form
and list page. Run on SQLite and PostgreSQL (PostgreSQL refuses NUL in text).
"""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity
from certifications.models import Holding
from funds.forms import InvoiceForm
from funds.models import Invoice
from partnerhub.input_bounds import DATE_RANGE_MESSAGE, MAX_DATE, MIN_DATE, add_days, parse_month
from partners.models import Contract, Partner
from reporting.models import LicenseReport

from ..activities.factories import ActivityFactory
from ..certifications.factories import CertificationFactory, HoldingFactory
from ..factories import ContractFactory, PartnerFactory
from ..funds.factories import InvoiceFactory
from ..reporting.factories import AgreementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def engineer(db):
    from ..factories import UserFactory

    return UserFactory(username="engineer")


FAR_DATES = ["9999-11-15", "9999-12-31", "0001-01-01", "1989-12-31", "2101-01-01"]


def errors_of(response) -> dict:
    return response.context["form"].errors


# --- dates: forms, admin and the database -----------------------------------------------------------


def test_the_bounds_and_their_message():
    assert (MIN_DATE, MAX_DATE) == (date(1990, 1, 1), date(2100, 12, 31))
    assert DATE_RANGE_MESSAGE == "Enter a date between 1 Jan 1990 and 31 Dec 2100."


@pytest.mark.parametrize("day", FAR_DATES)
def test_quick_log_of_a_far_sync_meeting_is_a_form_error(day, sales_client, sales):
    """The finding: a sync meeting on 9999-11-15 (then a quarterly cadence) stopped every reminder."""
    partner = PartnerFactory(manager=sales, sync_cadence="quarterly")
    response = sales_client.post(
        reverse("activities:quick-log", args=[partner.slug]), {"kind": "sync_meeting", "occurred_on": day, "subject": "Sync"}
    )
    assert response.status_code in (200, 400)
    assert not Activity.objects.exists()
    assert DATE_RANGE_MESSAGE in response.content.decode()


def test_the_edges_of_the_range_are_accepted(sales_client, sales):
    partner = PartnerFactory(manager=sales)
    for day in ("1990-01-01", "2100-12-31"):
        response = sales_client.post(
            reverse("activities:quick-log", args=[partner.slug]), {"kind": "call", "occurred_on": day, "subject": "Edge"}
        )
        assert response.status_code in (200, 302)
    assert sorted(Activity.objects.values_list("occurred_on", flat=True)) == [MIN_DATE, MAX_DATE]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_holding_valid_until_far_away_is_a_form_error_in_the_app(day, client_for, engineer):
    certification = CertificationFactory()
    response = client_for(engineer).post(
        reverse("certifications:holding-create"),
        {"certification": certification.pk, "obtained_on": "2024-01-01", "expires_on": day},
    )
    assert response.status_code == 200
    assert errors_of(response)["expires_on"] == [DATE_RANGE_MESSAGE]
    assert not Holding.objects.exists()


def test_a_holding_valid_until_9999_is_a_form_error_in_the_admin_not_a_500(admin_client_, engineer):
    """The finding: the admin answered 500 but the row was committed."""
    certification = CertificationFactory()
    response = admin_client_.post(
        reverse("admin:certifications_holding_add"),
        {
            "holder": engineer.pk,
            "certification": certification.pk,
            "obtained_on": "2024-01-01",
            "expires_on": "9999-12-31",
            "credential_id": "",
            "verification_url": "",
        },
    )
    assert response.status_code == 200
    assert DATE_RANGE_MESSAGE in str(response.context["adminform"].form.errors)
    assert not Holding.objects.exists()


def test_a_certification_whose_validity_runs_past_the_range_is_a_form_error(client_for, engineer):
    certification = CertificationFactory(validity_months=30_000)  # 2,500 years
    response = client_for(engineer).post(
        reverse("certifications:holding-create"),
        {"certification": certification.pk, "obtained_on": "2024-01-01", "expires_on": ""},
    )
    assert response.status_code == 200
    assert DATE_RANGE_MESSAGE in str(errors_of(response))
    assert not Holding.objects.exists()


CONSTRAINED = [
    (lambda day: ActivityFactory(occurred_on=day)),
    (lambda day: HoldingFactory(obtained_on=date(2020, 1, 1), expires_on=day)),
    (lambda day: ContractFactory(start_date=date(2020, 1, 1), end_date=day)),
    (lambda day: InvoiceFactory(issued_on=day, due_on=day)),
]


@pytest.mark.parametrize("make", CONSTRAINED)
def test_the_database_refuses_far_dates(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make(date(9999, 12, 31))


def test_model_validation_names_the_range():
    """full_clean() (the services, the admin) gives the constraint's message as a validation error."""
    from django.core.exceptions import ValidationError

    contract = ContractFactory.build(partner=PartnerFactory(), start_date=date(2020, 1, 1), end_date=date(2101, 1, 1))
    with pytest.raises(ValidationError, match="End date: Enter a date between 1 Jan 1990 and 31 Dec 2100"):
        contract.full_clean()


def test_an_invoice_issued_9999_12_31_without_due_date_is_a_form_error_not_a_500():
    form = InvoiceForm(data={"number": "VSHN-1", "issued_on": "9999-12-31", "due_on": "", "amount": ""})
    assert not form.is_valid()
    assert form.errors["issued_on"] == [DATE_RANGE_MESSAGE]
    assert Invoice.default_due_on(date.max) == date.max  # the arithmetic no longer overflows


def test_date_arithmetic_cannot_overflow():
    assert add_days(date.max, 91) == date.max
    assert add_days(date.min, -1) == date.min
    assert add_days(date(2026, 1, 1), 31) == date(2026, 2, 1)


# --- query strings: ignored with a message --------------------------------------------------------


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "2101-01", "2026-13", "x"])
def test_campaign_calendar_far_month_shows_this_month_with_a_message(month, manager_client):
    response = manager_client.get(reverse("activities:campaign-calendar"), {"month": month})
    assert response.status_code == 200
    assert response.context["first"] == timezone.localdate().replace(day=1)
    assert any("enter a month as YYYY-MM" in str(m) for m in response.context["messages"])


def test_campaign_calendar_last_month_of_the_range(manager_client):
    response = manager_client.get(reverse("activities:campaign-calendar"), {"month": "2100-12"})
    assert response.status_code == 200 and response.context["first"] == date(2100, 12, 1)


def test_parse_month_bounds():
    assert parse_month("2026-04") == date(2026, 4, 1)
    assert parse_month("9999-12") is None and parse_month("1989-12") is None and parse_month("2026-00") is None


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "1900-01"])
def test_report_for_a_far_month_is_a_form_error_not_a_500(month, accounting_client):
    agreement = AgreementFactory()
    response = accounting_client.post(reverse("reporting:report-create"), {"partner": agreement.partner.pk, "month": month})
    assert response.status_code == 200
    assert "month" in errors_of(response)
    assert not LicenseReport.objects.exists()


@pytest.mark.parametrize("on", ["9999-12-31", "0001-01-01"])
def test_compliance_overview_far_on_date_is_ignored_with_the_field_error(on, manager_client):
    response = manager_client.get(reverse("certifications:overview"), {"on": on})
    assert response.status_code == 200
    assert DATE_RANGE_MESSAGE in response.content.decode()


@pytest.mark.parametrize(
    ("url_name", "params"),
    [
        ("activities:feed", {"occurred_on_after": "9999-12-31"}),
        ("funds:invoices", {"issued_before": "0001-01-01"}),
        ("certifications:holdings", {"expires_before": "9999-12-31"}),
    ],
)
def test_list_filters_ignore_far_dates_with_the_field_error(url_name, params, manager_client):
    response = manager_client.get(reverse(url_name), params)
    assert response.status_code == 200
    assert DATE_RANGE_MESSAGE in response.content.decode()


# --- NUL and other control characters ---------------------------------------------------------------


def test_nul_in_the_calendar_feed_url_is_a_400_for_anyone(client):
    """The finding: GET /reporting/calendar/%00.ics (anonymous) sent a NUL to PostgreSQL."""
    response = client.get("/reporting/calendar/%00.ics")
    assert response.status_code == 400
    assert "control character" in response.content.decode()


@pytest.mark.parametrize(
    "url_name",
    ["activities:create", "activities:opportunity-create", "activities:registration-create", "activities:campaign-create"],
)
def test_nul_in_the_partner_query_parameter_is_a_400(url_name, manager_client):
    response = manager_client.get(reverse(url_name) + "?partner=%00")
    assert response.status_code == 400
    assert "query parameter 'partner' (NUL)" in response.content.decode()


@pytest.mark.parametrize("query", ["q=a%01b", "sort=%7F", "%00=1", "page=%1B"])
def test_other_control_characters_in_query_strings_are_a_400(query, manager_client):
    assert manager_client.get(reverse("partners:list") + "?" + query).status_code == 400


def test_tabs_and_new_lines_in_query_strings_are_fine(manager_client):
    assert manager_client.get(reverse("partners:list") + "?q=a%09b%0Ac").status_code == 200


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x0b", "\x1b", "\x7f"])
def test_control_characters_in_a_form_field_are_a_clear_form_error(char, manager_client):
    partner = PartnerFactory()
    response = manager_client.post(
        reverse("partners:contract-create", args=[partner.slug]),
        {"kind": "nda", "title": f"N{char}DA", "start_date": "2026-01-01", "notice_period_days": "0"},
    )
    assert response.status_code == 200
    assert "Remove the invisible control character" in errors_of(response)["title"][0]
    assert not Contract.objects.exists()


def test_tabs_and_new_lines_in_form_fields_are_kept(manager_client):
    partner = PartnerFactory()
    response = manager_client.post(
        reverse("partners:contract-create", args=[partner.slug]),
        {"kind": "nda", "title": "NDA", "start_date": "2026-01-01", "notice_period_days": "0", "notes": "a\tb\r\nc"},
    )
    assert response.status_code == 302
    assert Contract.objects.get().notes == "a\tb\r\nc"


def test_control_characters_are_refused_in_the_admin_too(admin_client_):
    response = admin_client_.post(reverse("admin:partners_partnertype_add"), {"code": "x", "name": "Bad\x00name"})
    assert response.status_code == 200
    assert "Remove the invisible control character (NUL)" in response.content.decode()


def test_a_nul_byte_inside_an_uploaded_certification_csv_is_a_form_error(manager_client):
    csv = b"holder,certification_code,obtained_on\nengineer,EX\x00280,2024-01-01\n"
    response = manager_client.post(
        reverse("certifications:import"), {"file": SimpleUploadedFile("holdings.csv", csv, content_type="text/csv")}
    )
    assert response.status_code == 200
    assert "Line 2 of the file contains an invisible control character (NUL)" in str(errors_of(response))
    assert not Holding.objects.exists()


def test_a_far_date_inside_an_uploaded_certification_csv_is_a_row_error(manager_client, engineer):
    certification = CertificationFactory(code="EX280")
    csv = f"holder,certification_code,obtained_on,expires_on\n{engineer.username},{certification.code},2024-01-01,9999-12-31\n"
    response = manager_client.post(
        reverse("certifications:import"), {"file": SimpleUploadedFile("holdings.csv", csv.encode(), content_type="text/csv")}
    )
    assert response.status_code == 200
    assert f"Expires on: {DATE_RANGE_MESSAGE}" in response.content.decode()
    assert not Holding.objects.exists()


# --- text lengths ------------------------------------------------------------------------------------

TEN_MB = "x" * 10_000_000


def test_ten_megabytes_of_partner_strategy_are_refused(manager_client):
    partner = PartnerFactory()
    response = manager_client.post(
        reverse("partners:edit", args=[partner.slug]),
        {
            "name": partner.name,
            "types": [t.pk for t in partner.types.all()],
            "stage": partner.stage,
            "sync_cadence": partner.sync_cadence,
            "strategy": TEN_MB,
        },
    )
    assert response.status_code == 200
    assert "at most 20000 characters" in errors_of(response)["strategy"][0]
    assert Partner.objects.get(pk=partner.pk).strategy == ""


def test_ten_megabytes_of_activity_notes_are_refused(sales_client, sales):
    partner = PartnerFactory(manager=sales)
    response = sales_client.post(
        reverse("activities:create"),
        {"partner": partner.pk, "kind": "call", "occurred_on": "2026-01-01", "subject": "Call", "notes": TEN_MB},
    )
    assert response.status_code == 200
    assert "at most 20000 characters" in errors_of(response)["notes"][0]
    assert not Activity.objects.exists()


def test_oversize_contract_notes_are_refused_in_the_admin(admin_client_):
    partner = PartnerFactory()
    response = admin_client_.post(
        reverse("admin:partners_contract_add"),
        {
            "partner": partner.pk,
            "kind": "nda",
            "title": "NDA",
            "start_date": "2026-01-01",
            "notice_period_days": "0",
            "notes": "x" * 20_001,
        },
    )
    assert response.status_code == 200
    assert "at most 20000 characters" in str(response.context["adminform"].form.errors)
    assert not Contract.objects.exists()


# --- stored rows from before: the data migration, and the sweeps ---------------------------------------


class constraints_off:
    """Stores a row the check constraints now refuse, as rows from before the migration were stored."""

    def __init__(self, model, *fields):
        self.model, self.fields = model, fields

    def __enter__(self):
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA ignore_check_constraints = ON")
        else:
            table = self.model._meta.db_table
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks before ALTER TABLE
                for field in self.fields:
                    cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{table}_{field}_range"')
        return self

    def __exit__(self, *exc):
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
        else:  # the dropped constraints come back with the test's rollback
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _migration(app_label: str, name: str):
    import importlib

    return importlib.import_module(f"{app_label}.migrations.{name}").Migration.operations[0]


def test_the_data_migration_reports_and_fixes_far_dates(capsys):
    from django.apps import apps

    activity = ActivityFactory(occurred_on=date(2026, 1, 1))
    with constraints_off(Activity, "occurred_on", "follow_up_on"):
        Activity.objects.filter(pk=activity.pk).update(occurred_on=date(9999, 11, 15), follow_up_on=date(9999, 12, 1))
        low = ActivityFactory(occurred_on=date(2026, 1, 1))
        Activity.objects.filter(pk=low.pk).update(occurred_on=date(1, 1, 1))
        _migration("activities", "0006_fix_out_of_range_dates").code(apps, None)
    activity.refresh_from_db()
    low.refresh_from_db()
    assert (activity.occurred_on, activity.follow_up_on) == (MAX_DATE, MAX_DATE)
    assert low.occurred_on == MIN_DATE
    report = capsys.readouterr().out
    assert f"activities.Activity #{activity.pk}: occurred_on 9999-11-15 is out of range; set to 2100-12-31" in report
    assert f"activities.Activity #{low.pk}: occurred_on 0001-01-01 is out of range; set to 1990-01-01" in report


def test_the_data_migration_keeps_derived_columns_and_the_order_of_dates():
    from django.apps import apps

    contract = ContractFactory(start_date=date(2020, 1, 1), end_date=date(2030, 1, 1), notice_period_days=30)
    with constraints_off(Contract, "start_date", "end_date"):
        Contract.objects.filter(pk=contract.pk).update(start_date=date(1, 1, 1), end_date=date(2, 1, 1))
        _migration("partners", "0008_fix_out_of_range_dates").code(apps, None)
    contract.refresh_from_db()
    assert contract.start_date == contract.end_date == MIN_DATE  # the end clamped first: never before the start
    assert contract.notice_deadline == MIN_DATE - timedelta(days=30)


def test_a_stored_far_sync_meeting_no_longer_stops_the_reminders(manager):
    """The issue's first finding as it was stored before: the sync sweep and the others still run."""
    partner = PartnerFactory(manager=manager, sync_cadence="quarterly")
    meeting = ActivityFactory(partner=partner, kind="sync_meeting", occurred_on=date(2026, 1, 1))
    ContractFactory(partner=partner, end_date=timezone.localdate() + timedelta(days=30), notice_period_days=0)
    with constraints_off(Activity, "occurred_on"):
        Activity.objects.filter(pk=meeting.pk).update(occurred_on=date(9999, 11, 15))
        out = StringIO()
        call_command("run_reminders", stdout=out, stderr=out)
    lines = out.getvalue().splitlines()
    assert "sync_meeting_due: 0 sent" in lines  # next due at the end of the calendar: nothing due, no OverflowError
    assert "contract_notice_deadline: 1 sent" in lines

"""Two saves of the same thing at the same moment: never a 500, never a broken invariant, never twice.

Three layers, each test failing if its fix were reverted:

- Real threads on PostgreSQL (skipped elsewhere): the first save holds its transaction open while the
  second one runs, the exact interleaving of a double click. The second gets the ValidationError a
  later save gets (not an IntegrityError); "one primary contact" and "no overlapping holdings" hold.
- Through the views, on every database: the other row is committed between the form's check and
  the save (`committed_meanwhile`), and the page shows the form error instead of a 500.
- Double submission: the same form posted twice (one-time form token) saves once, also at once.
"""

import threading
import time
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from activities import services as activity_services
from activities.models import Activity, DealRegistration, JointPlan, JointPlanInitiative
from certifications import services as certification_services
from certifications.models import Holding, PartnerProgramStatus
from funds import services as fund_services
from funds.models import FundClaim, Invoice
from partnerhub.models import FormSubmission
from partners import services as partner_services
from partners.models import Contact, Partner
from reporting import services as reporting_services
from reporting.models import LicenseReport, ReportingAgreement

from ..activities.factories import DealRegistrationFactory
from ..certifications.factories import CertificationFactory
from ..factories import PartnerFactory, UserFactory
from ..funds.factories import FundAllocationFactory, approved_claim
from ..helpers import run_at_once

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (SQLite has one writer at a time): run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres",
)


def _messages(outcome) -> list[str]:
    assert isinstance(outcome, ValidationError), f"expected a ValidationError, got {outcome!r}"
    return sorted(outcome.messages)


def _hold_then_race(first, second, *, hold: float = 0.5):
    """`first` saves in a transaction kept open for `hold` seconds; `second` starts after that save,
    so it passes its checks before the first row is visible and saves into the first one's lock."""
    saved = threading.Event()
    outcome: dict[str, object] = {}

    def run_first():
        try:
            with transaction.atomic():
                outcome["first"] = first()
                saved.set()
                time.sleep(hold)
        except Exception as error:  # noqa: BLE001 - reported by the test's assertions
            outcome["first"] = error
        finally:
            saved.set()

    def run_second():
        saved.wait(timeout=30)
        started = time.monotonic()
        try:
            outcome["second"] = second()
        except Exception as error:  # noqa: BLE001
            outcome["second"] = error
        finally:
            outcome["waited"] = time.monotonic() - started

    run_at_once(run_first, run_second, timeout=60)
    assert not isinstance(outcome["first"], Exception), outcome["first"]
    assert outcome["waited"] >= 0.3, "the second save did not wait for the first transaction"
    return outcome["second"]


# --- unique-constraint races on PostgreSQL: the second save gets the later save's form error --------


@on_postgresql
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
class TestUniqueRaces:
    def test_partner_name(self):
        def create():
            return partner_services.partner_create(name="Acme Cloud AG")

        second = _hold_then_race(create, create)
        assert _messages(second) == ["A partner with this name already exists."]
        with pytest.raises(ValidationError) as later:
            create()
        assert _messages(second) == sorted(later.value.messages)
        assert Partner.objects.filter(name="Acme Cloud AG").count() == 1

    def test_partner_names_with_the_same_slug_both_saved(self):
        second = _hold_then_race(
            lambda: partner_services.partner_create(name="Acme!"), lambda: partner_services.partner_create(name="Acme?")
        )
        assert isinstance(second, Partner), second
        assert sorted(Partner.objects.values_list("slug", flat=True)) == ["acme", "acme-2"]

    def test_registration_id(self):
        partner = PartnerFactory()

        def save():
            registration = DealRegistrationFactory.build(partner=partner, registration_id="RH-42", owner=None)
            return activity_services.deal_registration_save(registration=registration)

        second = _hold_then_race(save, save)
        assert _messages(second) == ["This partner already has a registration with this ID."]
        assert DealRegistration.objects.filter(registration_id="RH-42").count() == 1

    def test_report_month(self):
        partner = PartnerFactory()

        def create():
            return reporting_services.report_create(partner=partner, month=date(2026, 3, 1))

        second = _hold_then_race(create, create)
        assert _messages(second) == ["A report for this month already exists."]
        assert LicenseReport.objects.count() == 1

    def test_reporting_agreement(self):
        partner = PartnerFactory()

        def save():
            return reporting_services.agreement_save(agreement=ReportingAgreement(partner=partner, currency="CHF"))

        second = _hold_then_race(save, save)
        with pytest.raises(ValidationError) as later:
            save()
        assert _messages(second) == sorted(later.value.messages)
        assert ReportingAgreement.objects.count() == 1

    def test_program_status(self):
        partner = PartnerFactory()

        def save():
            return certification_services.program_status_save(status=PartnerProgramStatus(partner=partner))

        second = _hold_then_race(save, save)
        with pytest.raises(ValidationError) as later:
            save()
        assert _messages(second) == sorted(later.value.messages)
        assert PartnerProgramStatus.objects.count() == 1

    def test_holding_day(self):
        holder, certification = UserFactory(), CertificationFactory()

        def save():
            holding = Holding(holder=holder, certification=certification, obtained_on=date(2026, 1, 5))
            return certification_services.holding_save(holding=holding)

        second = _hold_then_race(save, save)
        with pytest.raises(ValidationError) as later:
            save()
        assert _messages(second) == sorted(later.value.messages)
        assert Holding.objects.count() == 1

    def test_joint_plan_of_a_quarter(self):
        partner, owner = PartnerFactory(), UserFactory()

        def add(title):
            initiative = JointPlanInitiative(title=title, kind=JointPlanInitiative.Kind.SALES, owner=owner)
            return lambda: activity_services.initiative_save(initiative=initiative, partner=partner, quarter="2026-Q3")

        second = _hold_then_race(add("Webinar"), add("Workshop"))
        assert isinstance(second, JointPlanInitiative), second  # the plan the first one created is used
        assert JointPlan.objects.count() == 1
        assert JointPlanInitiative.objects.filter(plan__quarter="2026-Q3").count() == 2

    def test_invoice_number(self, manager):
        allocation = FundAllocationFactory()
        claims = [approved_claim(allocation=allocation, status=FundClaim.Status.PROOF_SUBMITTED) for _ in range(3)]
        today = timezone.localdate()

        def issue(claim):
            return lambda: fund_services.invoice_create(claim_id=claim.pk, number="VSHN-2026-7", issued_on=today, by=manager)

        second = _hold_then_race(issue(claims[0]), issue(claims[1]))
        with pytest.raises(ValidationError) as later:
            issue(claims[2])()
        assert _messages(second) == sorted(later.value.messages) == ["An invoice with this number already exists."]
        assert Invoice.objects.count() == 1
        assert FundClaim.objects.filter(status=FundClaim.Status.INVOICED).count() == 1  # the loser's claim is unchanged


# --- exclusive invariants on PostgreSQL --------------------------------------------------------------


@on_postgresql
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
class TestExclusiveInvariants:
    def test_two_primary_contacts_saved_at_once_leave_one(self):
        partner = PartnerFactory()

        def add(last_name):
            contact = Contact(partner=partner, first_name="Pat", last_name=last_name, stakeholder_role="sales", is_primary=True)
            return lambda: partner_services.contact_save(contact=contact)

        second = _hold_then_race(add("First"), add("Second"))
        assert isinstance(second, Contact), second
        assert list(Contact.objects.filter(partner=partner, is_primary=True).values_list("last_name", flat=True)) == ["Second"]

    def test_overlapping_holdings_saved_at_once_are_refused(self):
        holder, certification = UserFactory(), CertificationFactory(validity_months=24)

        def save(obtained_on):
            holding = Holding(holder=holder, certification=certification, obtained_on=obtained_on)
            return lambda: certification_services.holding_save(holding=holding)

        second = _hold_then_race(save(date(2025, 1, 10)), save(date(2025, 6, 1)))
        assert isinstance(second, ValidationError) and "the validity periods overlap" in " ".join(second.messages), second
        assert Holding.objects.count() == 1


# --- through the views, on every database: the other row commits between check and save ----------


@contextmanager
def committed_meanwhile(model, make_other):
    """Right after the service's own check of a new `model` row (its `full_clean()` with constraints,
    which comes after the form's), `make_other()` stores the conflicting row: as another request
    committing between this one's check and its save."""
    done: list[bool] = []
    original = model.full_clean

    def full_clean(self, *args, **kwargs):
        original(self, *args, **kwargs)
        service_check = kwargs.get("validate_unique", True) and kwargs.get("validate_constraints", True)  # not a ModelForm's
        if not done and self._state.adding and service_check:
            done.append(True)
            make_other()

    model.full_clean = full_clean
    try:
        yield
    finally:
        model.full_clean = original
    assert done, f"no new {model.__name__} was checked"


@pytest.mark.django_db
def test_partner_created_meanwhile_is_a_form_error(manager_client):
    def other():
        Partner.objects.bulk_create([Partner(name="Acme Cloud AG", slug="acme-cloud-ag")])

    data = {"name": "Acme Cloud AG", "types": [PartnerFactory().types.first().pk], "stage": "prospect", "sync_cadence": "monthly"}
    with committed_meanwhile(Partner, other):
        response = manager_client.post(reverse("partners:create"), data)
    assert response.status_code == 200
    assert "A partner with this name already exists." in response.content.decode()


@pytest.mark.django_db
def test_registration_created_meanwhile_is_a_form_error(sales_client):
    partner = PartnerFactory()

    def other():
        DealRegistration.objects.bulk_create(
            [DealRegistrationFactory.build(partner=partner, registration_id="RH-42", owner=None)]
        )

    data = {"partner": partner.pk, "registration_id": "RH-42", "customer": "Muster AG", "value": "1000", "currency": "CHF"}
    with committed_meanwhile(DealRegistration, other):
        response = sales_client.post(reverse("activities:registration-create"), data)
    assert response.status_code == 200
    assert "This partner already has a registration with this ID." in response.content.decode()
    assert not DealRegistration.objects.filter(customer="Muster AG").exists()


@pytest.mark.django_db
def test_report_created_meanwhile_is_a_form_error(accounting_client):
    partner = PartnerFactory()

    def other():
        LicenseReport.objects.bulk_create(
            [LicenseReport(partner=partner, month=date(2026, 3, 1), currency="CHF", due_on=date(2026, 4, 10))]
        )

    with committed_meanwhile(LicenseReport, other):
        response = accounting_client.post(reverse("reporting:report-create"), {"partner": partner.pk, "month": "2026-03"})
    assert response.status_code == 200
    assert "A report for this month already exists." in response.content.decode()


@pytest.mark.django_db
def test_invoice_number_taken_meanwhile_is_a_form_error(manager_client):
    allocation = FundAllocationFactory()
    claim, other_claim = (approved_claim(allocation=allocation, status=FundClaim.Status.PROOF_SUBMITTED) for _ in range(2))

    def other():
        Invoice.objects.bulk_create(
            [
                Invoice(
                    claim=other_claim,
                    number="VSHN-7",
                    issued_on=date(2026, 1, 1),
                    due_on=date(2026, 1, 31),
                    amount=Decimal("10"),
                    currency=other_claim.currency,
                )
            ]
        )

    data = {"number": "VSHN-7", "issued_on": timezone.localdate().isoformat()}
    with committed_meanwhile(Invoice, other):
        response = manager_client.post(reverse("funds:claim-invoice", args=[claim.pk]), data)
    assert response.status_code < 500
    claim.refresh_from_db()
    assert claim.status == FundClaim.Status.PROOF_SUBMITTED
    page = manager_client.get(reverse("funds:claim-detail", args=[claim.pk])) if response.status_code == 302 else response
    assert "An invoice with this number already exists." in page.content.decode()


@pytest.mark.django_db
def test_program_status_created_meanwhile_is_a_form_error(manager_client):
    partner = PartnerFactory()

    def other():
        PartnerProgramStatus.objects.bulk_create([PartnerProgramStatus(partner=partner, notes="theirs")])

    with committed_meanwhile(PartnerProgramStatus, other):
        response = manager_client.post(reverse("certifications:program-status-edit", args=[partner.slug]), {"notes": "mine"})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


@pytest.mark.django_db
def test_agreement_created_meanwhile_is_a_form_error(accounting_client):
    partner = PartnerFactory()

    def other():
        ReportingAgreement.objects.bulk_create([ReportingAgreement(partner=partner, currency="CHF")])

    data = {
        "reporting_required": "on",
        "due_day": "10",
        "channel": "email",
        "accounting_threshold": "100",
        "currency": "CHF",
        "growth_alert_percent": "20",
    }
    with committed_meanwhile(ReportingAgreement, other):
        response = accounting_client.post(reverse("reporting:agreement-edit", args=[partner.slug]), data)
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


@pytest.mark.django_db
def test_joint_plan_created_meanwhile_is_used(sales_client, manager_client):
    partner = PartnerFactory()

    def other():
        JointPlan.objects.bulk_create([JointPlan(partner=partner, quarter="2026-Q3")])

    data = {"title": "Webinar", "kind": "sales", "status": "planned"}
    with committed_meanwhile(JointPlan, other):
        response = manager_client.post(reverse("activities:initiative-create", args=[partner.slug, "2026-Q3"]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert JointPlanInitiative.objects.get().plan == JointPlan.objects.get()


# --- double submission: one-time form tokens ---------------------------------------------------------


def _double_click(clients, url: str, data: dict) -> list[int]:
    """The same form posted by two clients (one person's two tabs) at the same moment: the answers' statuses."""
    statuses: list[int] = []

    def send(client):
        return lambda: statuses.append(client.post(url, data).status_code)

    run_at_once(*(send(client) for client in clients), timeout=60, lined_up=True)
    return statuses


def _token(page) -> str:
    html = page.content.decode()
    marker = 'name="form_token" value="'
    assert marker in html, "the form has no one-time token"
    return html.split(marker, 1)[1].split('"', 1)[0]


@pytest.mark.django_db
def test_a_claim_form_sent_twice_saves_one_claim(marketing_client):
    allocation = FundAllocationFactory()
    url = reverse("funds:claim-create")
    data = {
        "allocation": allocation.pk,
        "title": "Summit booth",
        "activity_start": "2026-03-01",
        "activity_end": "2026-03-02",
        "requested_amount": "500",
        "currency": allocation.currency,
        "form_token": _token(marketing_client.get(url)),
    }
    first = marketing_client.post(url, data)
    again = marketing_client.post(url, data)
    assert first.status_code == again.status_code == 302
    assert FundClaim.objects.filter(title="Summit booth").count() == 1
    assert again["Location"] == first["Location"]  # shown the claim the first submission saved
    assert "This form was already sent" in marketing_client.get(again["Location"]).content.decode()


@pytest.mark.django_db
def test_a_refused_form_keeps_its_token_usable(marketing_client):
    allocation = FundAllocationFactory()
    url = reverse("funds:claim-create")
    data = {
        "allocation": allocation.pk,
        "title": "Summit booth",
        "activity_start": "2026-03-02",
        "activity_end": "2026-03-01",
        "requested_amount": "500",
        "currency": allocation.currency,
        "form_token": _token(marketing_client.get(url)),
    }
    assert marketing_client.post(url, data).status_code == 200  # ends before it starts: a form error
    data["activity_end"] = "2026-03-03"
    assert marketing_client.post(url, data).status_code == 302
    assert FundClaim.objects.count() == 1 and FormSubmission.objects.count() == 1


@pytest.mark.django_db
def test_a_quick_log_sent_twice_logs_once(sales_client):
    partner = PartnerFactory()
    timeline = sales_client.get(reverse("partners:section", args=[partner.slug, "timeline"]), HTTP_HX_REQUEST="true")
    data = {
        "kind": "call",
        "occurred_on": timezone.localdate().isoformat(),
        "subject": "Kick-off",
        "form_token": _token(timeline),
    }
    url = reverse("activities:quick-log", args=[partner.slug])
    assert sales_client.post(url, data, HTTP_HX_REQUEST="true").status_code == 200
    assert sales_client.post(url, data, HTTP_HX_REQUEST="true").status_code == 204
    assert sales_client.post(url, data).status_code == 302
    assert Activity.objects.filter(subject="Kick-off").count() == 1


@pytest.mark.django_db
def test_every_create_form_carries_a_token(manager_client, accounting_client, marketing_client):
    partner = PartnerFactory()
    pages = [
        (manager_client, reverse("partners:create")),
        (manager_client, reverse("partners:contact-create", args=[partner.slug])),
        (manager_client, reverse("partners:contract-create", args=[partner.slug])),
        (manager_client, reverse("partners:risk-create", args=[partner.slug])),
        (manager_client, reverse("activities:create")),
        (manager_client, reverse("activities:opportunity-create")),
        (manager_client, reverse("activities:registration-create")),
        (marketing_client, reverse("activities:campaign-create")),
        (manager_client, reverse("activities:initiative-create", args=[partner.slug, "2026-Q3"])),
        (manager_client, reverse("certifications:holding-create")),
        (manager_client, reverse("certifications:program-status-edit", args=[partner.slug])),
        (marketing_client, reverse("funds:allocation-create")),
        (marketing_client, reverse("funds:claim-create")),
        (accounting_client, reverse("reporting:report-create")),
        (accounting_client, reverse("reporting:agreement-edit", args=[partner.slug])),
    ]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        _token(response)


@pytest.mark.parametrize("token", ["short", "x" * 65, "bad token with spaces!!!!", "\x00" * 30])
@pytest.mark.django_db
def test_a_malformed_token_is_ignored_not_an_error(marketing_client, token):
    allocation = FundAllocationFactory()
    data = {
        "allocation": allocation.pk,
        "title": "Summit booth",
        "activity_start": "2026-03-01",
        "activity_end": "2026-03-02",
        "requested_amount": "500",
        "currency": allocation.currency,
        "form_token": token,
    }
    response = marketing_client.post(reverse("funds:claim-create"), data)
    assert response.status_code in (302, 400)
    assert FormSubmission.objects.count() == 0


def test_the_submit_script_disables_buttons_without_inline_code():
    from pathlib import Path

    from django.conf import settings

    script = (Path(settings.BASE_DIR) / "static/js/app.js").read_text()
    assert 'addEventListener("submit"' in script and "button.disabled = true" in script
    base = (Path(settings.BASE_DIR) / "templates/base.html").read_text()
    assert "js/app.js" in base


@on_postgresql
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_double_clicked_claim_form_saves_once(marketing, client_for):
    allocation = FundAllocationFactory()
    url = reverse("funds:claim-create")
    clients = [client_for(marketing), client_for(marketing)]
    data = {
        "allocation": allocation.pk,
        "title": "Summit booth",
        "activity_start": "2026-03-01",
        "activity_end": "2026-03-02",
        "requested_amount": "500",
        "currency": allocation.currency,
        "form_token": _token(clients[0].get(url)),
    }
    assert _double_click(clients, url, data) == [302, 302]
    assert FundClaim.objects.filter(title="Summit booth").count() == 1


@on_postgresql
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_double_clicked_activity_form_saves_once(sales, client_for):
    partner = PartnerFactory()
    url = reverse("activities:create") + f"?partner={partner.slug}"
    clients = [client_for(sales), client_for(sales)]
    data = {
        "partner": partner.pk,
        "kind": "call",
        "occurred_on": timezone.localdate().isoformat(),
        "subject": "Kick-off",
        "form_token": _token(clients[0].get(url)),
    }
    assert _double_click(clients, url, data) == [302, 302]
    assert Activity.objects.filter(subject="Kick-off").count() == 1


def test_tokens_older_than_two_days_are_swept(db):
    from partnerhub.submit_once import form_tokens_expire

    user = UserFactory()
    old = FormSubmission.objects.create(token="a" * 32, user=user)
    FormSubmission.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    FormSubmission.objects.create(token="b" * 32, user=user)
    assert form_tokens_expire(timezone.localdate()) == 1
    assert list(FormSubmission.objects.values_list("token", flat=True)) == ["b" * 32]

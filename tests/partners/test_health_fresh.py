"""Partner health is fresh after every write that changes a fact it reads (issue 14, item 6).

One test per fact: the stored verdict is computed first (as the hourly sweep would), then the fact
changes the way people change it (a page, a service, the admin), and the partner page shows the new
verdict and reason — after the commit, with no sweep in between. The refresh goes through the one
registry (`partners.health.health_fact` / `health_changed`), which the last tests check.
"""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity
from certifications import services as certification_services
from certifications.models import Holding, PartnerProgramStatus
from funds.models import FundClaim
from partners.health import HEALTH_FACTS, partner_health_refresh
from partners.models import Contract, Partner, SupplierRiskAssessment
from reporting.models import LicenseReport

from ..activities.factories import DealRegistrationFactory
from ..certifications.factories import program
from ..factories import PartnerFactory, RiskAssessmentFactory, UserFactory
from ..funds.factories import FundAllocationFactory, InvoiceFactory, approved_claim
from ..reporting.factories import AgreementFactory, ReportFactory

pytestmark = pytest.mark.django_db


def health_on_page(client, partner: Partner) -> tuple[str, list[str]]:
    page = client.get(partner.get_absolute_url()).content.decode()
    badge = re.search(r'data-testid="health">([^<]+)<', page).group(1)
    reasons = re.search(r'data-testid="health-reasons">(.*?)</ul>', page, re.S)
    return badge, [html.unescape(r) for r in re.findall(r"<li>(.*?)</li>", reasons.group(1))] if reasons else []


def swept(partner: Partner) -> None:
    """The stored verdict before the change, as the hourly sweep leaves it."""
    partner_health_refresh(partner_ids=[partner.pk])


@pytest.fixture
def today():
    return timezone.localdate()


def test_invoice_paid(accounting_client, today, django_capture_on_commit_callbacks):
    invoice = InvoiceFactory(issued_on=today - timedelta(days=80), due_on=today - timedelta(days=40))
    partner = invoice.claim.allocation.partner
    swept(partner)
    assert health_on_page(accounting_client, partner) == ("At risk", ["1 VSHN invoice for funds overdue (oldest by 40 days)"])
    with django_capture_on_commit_callbacks(execute=True):
        response = accounting_client.post(reverse("funds:invoice-paid", args=[invoice.pk]), {"paid_on": today.isoformat()})
    assert response.status_code == 302
    assert health_on_page(accounting_client, partner) == ("Good", [])


def test_invoice_issued(manager_client, today, django_capture_on_commit_callbacks):
    claim = approved_claim(allocation=FundAllocationFactory(), status=FundClaim.Status.PROOF_SUBMITTED)
    partner = claim.allocation.partner
    swept(partner)
    assert health_on_page(manager_client, partner) == ("Good", [])
    data = {
        "number": "VSHN-1",
        "issued_on": (today - timedelta(days=50)).isoformat(),
        "due_on": (today - timedelta(days=10)).isoformat(),
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert manager_client.post(reverse("funds:claim-invoice", args=[claim.pk]), data).status_code == 302
    assert health_on_page(manager_client, partner) == ("Watch", ["1 VSHN invoice for funds overdue (oldest by 10 days)"])


def test_report_submitted(accounting_client, today, django_capture_on_commit_callbacks):
    month = (today.replace(day=1) - timedelta(days=40)).replace(day=1)
    report = ReportFactory(month=month, due_on=today - timedelta(days=5), status=LicenseReport.Status.DRAFT)
    AgreementFactory(partner=report.partner)
    swept(report.partner)
    assert health_on_page(accounting_client, report.partner) == (
        "Watch",
        [f"1 license report overdue, the oldest since {report.due_on:%d.%m.%Y}"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert accounting_client.post(reverse("reporting:report-submit", args=[report.pk])).status_code == 302
    assert health_on_page(accounting_client, report.partner) == ("Good", [])


def test_certification_holding_added(manager_client, today, django_capture_on_commit_callbacks):
    level, requirement, certification = program()
    partner = level.partner
    certification_services.compliance_refresh(partner_ids=[partner.pk])
    swept(partner)
    verdict, reasons = health_on_page(manager_client, partner)
    assert verdict == "At risk" and reasons[0].startswith("Premier level: requirement not met – 0 of 1")
    data = {"holder": UserFactory().pk, "certification": certification.pk, "obtained_on": (today - timedelta(days=3)).isoformat()}
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(reverse("certifications:holding-create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert health_on_page(manager_client, partner) == ("Good", [])


def test_certification_holding_deleted(manager_client, today, django_capture_on_commit_callbacks):
    level, requirement, certification = program()
    holding = Holding.objects.create(holder=UserFactory(), certification=certification, obtained_on=today - timedelta(days=3))
    certification_services.compliance_refresh(partner_ids=[level.partner_id])
    swept(level.partner)
    assert health_on_page(manager_client, level.partner) == ("Good", [])
    with django_capture_on_commit_callbacks(execute=True):
        assert manager_client.post(reverse("certifications:holding-delete", args=[holding.pk])).status_code == 302
    assert health_on_page(manager_client, level.partner)[0] == "At risk"


def test_level_requirement_raised(manager_client, admin_client_, today, django_capture_on_commit_callbacks):
    """Requirements are edited in the admin (its save_related refreshes compliance after the commit)."""
    level, requirement, certification = program()
    Holding.objects.create(holder=UserFactory(), certification=certification, obtained_on=today - timedelta(days=3))
    certification_services.compliance_refresh(partner_ids=[level.partner_id])
    swept(level.partner)
    assert health_on_page(manager_client, level.partner) == ("Good", [])
    change = reverse("admin:certifications_levelrequirement_change", args=[requirement.pk])
    data = {"level": level.pk, "min_holders": 2, "certifications": [certification.pk], "description": requirement.description}
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client_.post(change, data).status_code == 302
    verdict, reasons = health_on_page(manager_client, level.partner)
    assert verdict == "At risk" and reasons[0].startswith("Premier level: requirement not met – 1 of 2")


def test_held_level_chosen(manager_client, django_capture_on_commit_callbacks):
    level, requirement, certification = program(held=False)
    certification_services.compliance_refresh(partner_ids=[level.partner_id])
    swept(level.partner)
    assert health_on_page(manager_client, level.partner) == ("Good", [])
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("certifications:program-status-edit", args=[level.partner.slug]), {"held_level": level.pk}
        )
    assert response.status_code == 302
    assert PartnerProgramStatus.objects.get(partner=level.partner).held_level == level
    assert health_on_page(manager_client, level.partner)[0] == "At risk"


def test_risk_assessment_saved(manager_client, today, django_capture_on_commit_callbacks):
    old = RiskAssessmentFactory(assessed_on=today - timedelta(days=400), next_review_due=today - timedelta(days=35))
    partner = old.partner
    swept(partner)
    assert health_on_page(manager_client, partner) == (
        "Watch",
        [f"Supplier risk review overdue since {old.next_review_due:%d.%m.%Y}"],
    )
    data = {
        "risk_level": "low",
        "criticality": "low",
        "assessed_on": today.isoformat(),
        "next_review_due": (today + timedelta(days=365)).isoformat(),
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert manager_client.post(reverse("partners:risk-create", args=[partner.slug]), data).status_code == 302
    assert health_on_page(manager_client, partner) == ("Good", [])


def test_risk_assessment_saved_outside_a_service(manager_client, today, django_capture_on_commit_callbacks):
    assessment = RiskAssessmentFactory(assessed_on=today - timedelta(days=400), next_review_due=today - timedelta(days=35))
    swept(assessment.partner)
    assert health_on_page(manager_client, assessment.partner)[0] == "Watch"
    assessment.next_review_due = today + timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        assessment.save()  # as the admin's change form or a shell does: the registry still sees it
    assert health_on_page(manager_client, assessment.partner) == ("Good", [])


def test_deal_registration_approved(sales_client, today, django_capture_on_commit_callbacks):
    registration = DealRegistrationFactory(status="submitted", customer="Muster AG")
    swept(registration.partner)
    assert health_on_page(sales_client, registration.partner) == ("Good", [])
    expires = today + timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        response = sales_client.post(
            reverse("activities:registration-transition", args=[registration.pk]),
            {"to": "approved", "expires_on": expires.isoformat()},
        )
    assert response.status_code == 302
    assert health_on_page(sales_client, registration.partner) == (
        "Watch",
        [f"Deal registration for Muster AG expires on {expires:%d.%m.%Y}"],
    )


def test_sync_meeting_logged(sales_client, today, django_capture_on_commit_callbacks):
    partner = PartnerFactory(sync_cadence="weekly")
    Partner.objects.filter(pk=partner.pk).update(created_at=timezone.now() - timedelta(days=30))
    Activity.objects.create(partner=partner, kind="call", occurred_on=today - timedelta(days=1), subject="Call")
    swept(partner)
    assert health_on_page(sales_client, partner)[0] == "At risk"
    data = {"partner": partner.pk, "kind": "sync_meeting", "occurred_on": today.isoformat(), "subject": "Sync"}
    with django_capture_on_commit_callbacks(execute=True):
        assert sales_client.post(reverse("activities:create") + f"?partner={partner.slug}", data).status_code == 302
    assert health_on_page(sales_client, partner) == ("Good", [])


def test_contract_saved(manager_client, today, django_capture_on_commit_callbacks):
    """No check reads contracts yet; a contract write still refreshes the partner (a stale verdict goes)."""
    partner = PartnerFactory()
    Partner.objects.filter(pk=partner.pk).update(health="at_risk", health_reasons=["stale"])
    data = {"kind": "nda", "title": "NDA", "start_date": today.isoformat(), "notice_period_days": "0"}
    with django_capture_on_commit_callbacks(execute=True):
        assert manager_client.post(reverse("partners:contract-create", args=[partner.slug]), data).status_code == 302
    assert Contract.objects.filter(partner=partner).exists()
    assert health_on_page(manager_client, partner) == ("Good", [])


def test_partner_restored_from_the_archive(manager_client, today, django_capture_on_commit_callbacks):
    report = ReportFactory(month=today.replace(day=1) - timedelta(days=70), due_on=today - timedelta(days=40))
    partner = report.partner
    AgreementFactory(partner=partner)
    Partner.objects.filter(pk=partner.pk).update(archived=True, health="good", health_reasons=[])  # as left when archived
    with django_capture_on_commit_callbacks(execute=True):
        assert manager_client.post(reverse("partners:archive", args=[partner.slug]), {"archived": "0"}).status_code == 302
    assert health_on_page(manager_client, partner) == (
        "At risk",
        [f"1 license report overdue, the oldest since {report.due_on:%d.%m.%Y}"],
    )


def test_a_rolled_back_write_refreshes_nothing(django_capture_on_commit_callbacks):
    from django.db import transaction

    partner = PartnerFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            RiskAssessmentFactory(partner=partner)
            raise RuntimeError
    assert callbacks == []


def test_many_writes_in_one_transaction_refresh_once(django_capture_on_commit_callbacks, django_assert_max_num_queries):
    partner = PartnerFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        for _ in range(5):
            SupplierRiskAssessment.objects.create(
                partner=partner,
                risk_level="low",
                criticality="low",
                assessed_on=timezone.localdate(),
                next_review_due=timezone.localdate(),
            )
    refreshed = [callback() for callback in callbacks]
    assert refreshed.count(1) == 1 and refreshed.count(0) == 4  # the first refreshes, the rest find it done


def test_every_fact_health_reads_is_registered():
    from activities.models import DealRegistration
    from funds.models import Invoice

    assert {model._meta.label for model in HEALTH_FACTS} >= {
        "partners.Partner",
        "partners.SupplierRiskAssessment",
        "partners.Contract",
        "activities.Activity",
        "activities.DealRegistration",
        "funds.Invoice",
        "reporting.LicenseReport",
        "certifications.PartnerProgramStatus",
    }
    assert DealRegistration in HEALTH_FACTS and Invoice in HEALTH_FACTS


def test_no_service_calls_the_refresh_itself():
    """One mechanism: services do not sprinkle partner_health_refresh calls."""
    from pathlib import Path

    from django.conf import settings

    for app in ("partners", "activities", "certifications", "funds", "reporting"):
        source = (Path(settings.BASE_DIR) / app / "services.py").read_text()
        assert "partner_health_refresh" not in source, app


def test_the_invoice_fact_names_its_partner():
    invoice = InvoiceFactory(amount=Decimal("10.00"))
    assert list(HEALTH_FACTS[type(invoice)](invoice)) == [invoice.claim.allocation.partner_id]

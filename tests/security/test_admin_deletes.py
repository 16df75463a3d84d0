"""The admin keeps the product's promises (issue 14, item 5).

Every registered admin is listed with what its delete may do: a new admin fails the first test until
someone decides. Partners, invoices, license reports and users are never deleted (archive or
deactivate, with the reason shown); claims only as an empty draft; workflow fields are read-only;
a deleted row's files leave storage only together with its history row. Runs on every database.
"""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from certifications.models import Holding
from funds.models import FundClaim, Invoice, ProofDocument
from partners.models import Contract, Partner
from reporting.models import LicenseReport

from ..certifications.factories import HoldingFactory
from ..factories import ContractFactory, PartnerFactory, UserFactory
from ..funds.factories import FundClaimFactory, InvoiceFactory
from ..reporting.factories import LineFactory, ReportFactory

NEVER, ALLOWED, CONDITIONAL = "never", "allowed", "conditional"

# What "delete" may do in the admin, per registered model (label_lower).
DELETE_POLICY = {
    "partners.partner": NEVER,  # archived instead
    "funds.invoice": NEVER,  # accounting record; its claim would stay invoiced or paid
    "reporting.licensereport": NEVER,  # what the partner reported
    "auth.user": NEVER,  # deactivated instead
    "funds.fundclaim": CONDITIONAL,  # only an empty draft (no proof, no invoice), one at a time
    "funds.proofdocument": CONDITIONAL,  # only while the claim takes proof; file goes with a history row
    "partners.partnertype": ALLOWED,
    "partners.contact": ALLOWED,  # audited
    "partners.contract": ALLOWED,  # audited; the document goes with the history row
    "partners.supplierriskassessment": ALLOWED,  # audited
    "partners.partnerteammember": ALLOWED,
    "activities.activity": ALLOWED,
    "activities.opportunity": ALLOWED,
    "activities.dealregistration": ALLOWED,  # audited
    "activities.campaign": ALLOWED,  # audited
    "activities.jointplan": ALLOWED,
    "activities.jointplaninitiative": ALLOWED,
    "activities.task": ALLOWED,  # audited; a follow-up's task goes with its activity
    "certifications.certification": ALLOWED,  # protected while anyone holds it
    "certifications.programlevel": ALLOWED,
    "certifications.levelrequirement": ALLOWED,
    "certifications.partnerprogramstatus": ALLOWED,
    "certifications.holding": ALLOWED,  # audited; the certificate goes with the history row
    "funds.fundallocation": ALLOWED,  # protected while it has claims
    "reporting.reportingagreement": ALLOWED,
    "reporting.calendarfeedtoken": ALLOWED,  # deleting one just turns the feed off
    "partnerhub.notification": ALLOWED,
    "partnerhub.remindersent": ALLOWED,  # lets a reminder go out again
    "partnerhub.sweepstatus": ALLOWED,
    "partnerhub.notificationsettings": ALLOWED,  # back to the default: everything in the digest
    "partnerhub.companyidentity": ALLOWED,  # unlinks the provider account; the user stays
    "partnerhub.signinevent": NEVER,  # the sign-in log is read only
    "auth.group": ALLOWED,
    "axes.accessattempt": ALLOWED,
    "axes.accesslog": ALLOWED,
    "axes.accessfailurelog": ALLOWED,
}
# Registered by other parts of the project; their delete is theirs to decide (checked: no files).
OTHERS_MAY_DECIDE = {"partnerhub"}


@pytest.fixture
def admin_request(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    return request


def test_every_admin_delete_is_listed(admin_request):
    registered = {model._meta.label_lower: model_admin for model, model_admin in admin.site._registry.items()}
    unlisted = {label for label in registered if label not in DELETE_POLICY and label.split(".")[0] not in OTHERS_MAY_DECIDE}
    assert not unlisted, f"decide what deleting these in the admin may do: {sorted(unlisted)}"
    for label, model_admin in registered.items():
        policy = DELETE_POLICY.get(label)
        if policy is None:
            continue
        bulk = "delete_selected" in model_admin.get_actions(admin_request)
        if policy == NEVER:
            assert not model_admin.has_delete_permission(admin_request) and not bulk, label
        elif policy == CONDITIONAL:
            assert not bulk, label
        else:
            assert model_admin.has_delete_permission(admin_request) and bulk, label


def test_every_model_with_files_is_audited():
    """Files leave storage only with a history row (partnerhub/files.py removes them for audited models)."""
    from django.apps import apps

    from partnerhub.files import _has_history, file_fields

    with_files = [m for m in apps.get_models() if file_fields(m) and not hasattr(m, "history_object")]
    assert {m._meta.label_lower for m in with_files} >= {"partners.contract", "funds.proofdocument", "certifications.holding"}
    for model in with_files:
        assert _has_history(model), f"{model._meta.label} has files but no history"


@pytest.mark.django_db
class TestNeverDeleted:
    def test_partner_delete_url_shows_the_reason_and_keeps_the_partner(self, admin_client_):
        partner = PartnerFactory()
        ContractFactory(partner=partner)
        response = admin_client_.post(reverse("admin:partners_partner_delete", args=[partner.pk]), {"post": "yes"}, follow=True)
        assert Partner.objects.filter(pk=partner.pk).exists()
        assert "Partners are archived, never deleted" in response.content.decode()
        change = admin_client_.get(reverse("admin:partners_partner_change", args=[partner.pk])).content.decode()
        assert 'data-testid="keep-reason"' in change and "Archive selected partners" in change
        assert "deletelink" not in change

    def test_bulk_delete_of_partners_is_not_offered(self, admin_client_):
        partners = PartnerFactory.create_batch(2)
        admin_client_.post(
            reverse("admin:partners_partner_changelist"),
            {"action": "delete_selected", "_selected_action": [p.pk for p in partners], "post": "yes"},
        )
        assert Partner.objects.count() == 2

    def test_archive_action_archives_through_the_service(self, admin_client_):
        partner = PartnerFactory()
        admin_client_.post(reverse("admin:partners_partner_changelist"), {"action": "archive", "_selected_action": [partner.pk]})
        partner.refresh_from_db()
        assert partner.archived and partner.archived_at is not None

    def test_paid_invoice_is_kept_single_and_bulk(self, admin_client_):
        invoice = InvoiceFactory(paid_on=timezone.localdate(), claim__status=FundClaim.Status.PAID)
        admin_client_.post(reverse("admin:funds_invoice_delete", args=[invoice.pk]), {"post": "yes"})
        admin_client_.post(
            reverse("admin:funds_invoice_changelist"),
            {"action": "delete_selected", "_selected_action": [invoice.pk], "post": "yes"},
        )
        assert Invoice.objects.filter(pk=invoice.pk).exists()
        invoice.claim.refresh_from_db()
        assert invoice.claim.status == FundClaim.Status.PAID

    def test_license_report_and_its_lines_are_kept(self, admin_client_, admin_request):
        line = LineFactory()
        admin_client_.post(reverse("admin:reporting_licensereport_delete", args=[line.report.pk]), {"post": "yes"})
        assert LicenseReport.objects.filter(pk=line.report.pk).exists() and line.report.lines.count() == 1
        inline = admin.site._registry[LicenseReport].get_inline_instances(admin_request, line.report)[0]
        assert not inline.has_delete_permission(admin_request, line.report)

    def test_submitted_report_lines_are_read_only(self, admin_request):
        report = ReportFactory(status=LicenseReport.Status.SUBMITTED)
        inline = admin.site._registry[LicenseReport].get_inline_instances(admin_request, report)[0]
        assert not inline.has_change_permission(admin_request, report) and not inline.has_add_permission(admin_request, report)

    def test_user_is_deactivated_not_deleted_and_keeps_holdings(self, admin_client_):
        holding = HoldingFactory()
        user = holding.holder
        response = admin_client_.post(reverse("admin:auth_user_delete", args=[user.pk]), {"post": "yes"}, follow=True)
        assert "People are deactivated, never deleted" in response.content.decode()
        admin_client_.post(reverse("admin:auth_user_changelist"), {"action": "deactivate", "_selected_action": [user.pk]})
        user.refresh_from_db()
        assert not user.is_active and Holding.objects.filter(pk=holding.pk).exists()

    def test_an_admin_cannot_deactivate_themselves(self, admin_client_, admin_user):
        admin_client_.post(reverse("admin:auth_user_changelist"), {"action": "deactivate", "_selected_action": [admin_user.pk]})
        admin_user.refresh_from_db()
        assert admin_user.is_active


@pytest.mark.django_db
class TestClaims:
    def test_a_claim_with_proof_documents_is_kept(self, admin_client_):
        claim = FundClaimFactory()
        ProofDocument.objects.create(claim=claim, file=ContentFile(b"%PDF-1.4 proof", name="proof.pdf"))
        response = admin_client_.post(reverse("admin:funds_fundclaim_delete", args=[claim.pk]), {"post": "yes"})
        assert response.status_code == 403
        assert FundClaim.objects.filter(pk=claim.pk).exists() and claim.proof_documents.count() == 1

    def test_a_paid_claim_is_kept(self, admin_client_):
        claim = InvoiceFactory(claim__status=FundClaim.Status.PAID).claim
        assert admin_client_.post(reverse("admin:funds_fundclaim_delete", args=[claim.pk]), {"post": "yes"}).status_code == 403
        assert FundClaim.objects.filter(pk=claim.pk).exists()

    def test_an_empty_draft_claim_can_be_deleted(self, admin_client_):
        claim = FundClaimFactory()
        assert admin_client_.post(reverse("admin:funds_fundclaim_delete", args=[claim.pk]), {"post": "yes"}).status_code == 302
        assert not FundClaim.objects.filter(pk=claim.pk).exists()

    def test_workflow_fields_are_read_only(self, admin_request):
        claim = InvoiceFactory(claim__status=FundClaim.Status.PAID).claim
        for model, obj, fields in [
            (FundClaim, claim, ["status", "approved_amount", "decided_by", "paid_at"]),
            (Invoice, claim.invoice, ["paid_on", "paid_by", "claim"]),
            (LicenseReport, ReportFactory(), ["status", "submitted_at"]),
        ]:
            model_admin = admin.site._registry[model]
            form_fields = model_admin.get_form(admin_request, obj)().fields
            for field in fields:
                assert field in model_admin.get_readonly_fields(admin_request, obj) and field not in form_fields, (model, field)
        from activities.models import DealRegistration

        assert "status" in admin.site._registry[DealRegistration].get_readonly_fields(admin_request)
        claim_inline = admin.site._registry[FundClaim.allocation.field.related_model].inlines[0]
        assert "status" in claim_inline.readonly_fields and not claim_inline.can_delete

    def test_invoices_are_not_added_in_the_admin(self, admin_request):
        assert not admin.site._registry[Invoice].has_add_permission(admin_request)


@pytest.mark.django_db
class TestFilesGoWithAHistoryRow:
    def test_proof_document_deleted(self, admin_client_, django_capture_on_commit_callbacks):
        claim = FundClaimFactory()
        document = ProofDocument.objects.create(claim=claim, file=ContentFile(b"%PDF-1.4 proof", name="proof.pdf"))
        name = document.file.name
        assert default_storage.exists(name)
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client_.post(reverse("admin:funds_proofdocument_delete", args=[document.pk]), {"post": "yes"})
        assert response.status_code == 302
        assert not default_storage.exists(name)
        assert ProofDocument.history.filter(id=document.pk, history_type="-").exists()

    def test_proof_of_a_submitted_claim_cannot_be_deleted(self, admin_client_):
        claim = FundClaimFactory(status=FundClaim.Status.PROOF_SUBMITTED, approved_amount=1000)
        document = ProofDocument.objects.create(claim=claim, file=ContentFile(b"%PDF-1.4 proof", name="proof.pdf"))
        assert (
            admin_client_.post(reverse("admin:funds_proofdocument_delete", args=[document.pk]), {"post": "yes"}).status_code
            == 403
        )
        assert default_storage.exists(document.file.name)

    def test_holding_deleted_in_the_admin(self, admin_client_, django_capture_on_commit_callbacks):
        holding = HoldingFactory(certificate=ContentFile(b"%PDF-1.4 cert", name="cert.pdf"))
        name = holding.certificate.name
        with django_capture_on_commit_callbacks(execute=True):
            admin_client_.post(reverse("admin:certifications_holding_delete", args=[holding.pk]), {"post": "yes"})
        assert not Holding.objects.filter(pk=holding.pk).exists() and not default_storage.exists(name)
        assert Holding.history.filter(id=holding.pk, history_type="-").exists()

    def test_contract_deleted_in_the_admin(self, admin_client_, django_capture_on_commit_callbacks):
        contract = ContractFactory(document=ContentFile(b"%PDF-1.4 contract", name="contract.pdf"))
        name = contract.document.name
        with django_capture_on_commit_callbacks(execute=True):
            admin_client_.post(reverse("admin:partners_contract_delete", args=[contract.pk]), {"post": "yes"})
        assert not default_storage.exists(name)
        assert Contract.history.filter(id=contract.pk, history_type="-").exists()

    def test_a_rolled_back_delete_keeps_the_file(self, django_capture_on_commit_callbacks):
        from django.db import transaction

        holding = HoldingFactory(certificate=ContentFile(b"%PDF-1.4 cert", name="cert.pdf"))
        with django_capture_on_commit_callbacks() as callbacks:
            with pytest.raises(RuntimeError), transaction.atomic():
                holding.delete()
                raise RuntimeError
        assert callbacks == [] and default_storage.exists(holding.certificate.name)

    def test_the_app_holding_delete_removes_the_certificate_after_the_commit(
        self, manager_client, django_capture_on_commit_callbacks
    ):
        holding = HoldingFactory(
            certificate=ContentFile(b"%PDF-1.4 cert", name="cert.pdf"), obtained_on=timezone.localdate() - timedelta(days=5)
        )
        name = holding.certificate.name
        with django_capture_on_commit_callbacks() as callbacks:
            manager_client.post(reverse("certifications:holding-delete", args=[holding.pk]))
            assert default_storage.exists(name)  # not before the commit
        for callback in callbacks:
            callback()
        assert not default_storage.exists(name)


def test_user_model_is_the_kept_one():
    assert get_user_model()._meta.label_lower in DELETE_POLICY
    assert UserFactory  # the factory the tests above use

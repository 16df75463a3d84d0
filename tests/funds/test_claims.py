import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from activities.models import Campaign
from funds import services
from funds.models import FundClaim, Invoice, ProofDocument

from ..factories import PartnerFactory
from .factories import FundAllocationFactory, FundClaimFactory, InvoiceFactory, approved_claim, submitted_claim

pytestmark = pytest.mark.django_db

S = FundClaim.Status
CLAIM_HANDLERS = ["manager_client", "marketing_client", "admin_client_"]
NOT_CLAIM_HANDLERS = ["sales_client", "accounting_client", "outsider_client"]
PDF = b"%PDF-1.4 proof"


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def claim_post(allocation, /, **overrides):
    data = {
        "allocation": allocation.pk,
        "campaign": "",
        "title": "Roadshow Zurich",
        "activity_start": "2026-03-01",
        "activity_end": "2026-03-02",
        "requested_amount": "1500.50",
        "currency": allocation.currency,
        "description": "",
    }
    data.update(overrides)
    return data


class TestClaimCreateEdit:
    @pytest.mark.parametrize("persona", CLAIM_HANDLERS)
    def test_handlers_create_a_draft_with_derived_deadline(self, persona, request):
        allocation = FundAllocationFactory(claim_deadline_days=90)
        response = request.getfixturevalue(persona).post(reverse("funds:claim-create"), claim_post(allocation))
        claim = FundClaim.objects.get()
        assert response.status_code == 302 and response["Location"] == claim.get_absolute_url()
        assert claim.status == S.DRAFT and claim.requested_amount == Decimal("1500.50")
        assert claim.claim_deadline == claim.activity_end + timedelta(days=90)

    @pytest.mark.parametrize("persona", NOT_CLAIM_HANDLERS)
    def test_other_roles_get_403(self, persona, request):
        client = request.getfixturevalue(persona)
        allocation = FundAllocationFactory()
        claim = FundClaimFactory(allocation=allocation, title="Untouched")
        assert client.get(reverse("funds:claim-create")).status_code == 403
        assert client.post(reverse("funds:claim-create"), claim_post(allocation)).status_code == 403
        assert (
            client.post(reverse("funds:claim-edit", args=[claim.pk]), claim_post(allocation, title="Hacked")).status_code == 403
        )
        claim.refresh_from_db()
        assert claim.title == "Untouched" and FundClaim.objects.count() == 1

    @pytest.mark.parametrize(
        "field,value,message",
        [
            ("requested_amount", "-100", "greater than zero"),
            ("requested_amount", "0", "greater than zero"),
            ("requested_amount", "10.001", "at most 2 decimal places"),
            ("requested_amount", "1e3x", "number"),
            ("currency", "EUR", "must match the allocation"),
            ("activity_end", "2026-02-01", "cannot end before it starts"),
            ("title", "", "required"),
            ("allocation", "999999", "valid choice"),
        ],
    )
    def test_bad_input_is_a_form_error_and_saves_nothing(self, marketing_client, field, value, message):
        allocation = FundAllocationFactory(currency="CHF")
        response = marketing_client.post(reverse("funds:claim-create"), claim_post(allocation, **{field: value}))
        assert response.status_code == 200
        assert message in str(response.context["form"].errors)
        assert not FundClaim.objects.exists()

    def test_campaign_must_be_with_the_partner(self, marketing_client):
        allocation = FundAllocationFactory()
        theirs = Campaign.objects.create(kind="webinar", title="Their webinar", starts_on=timezone.localdate())
        theirs.partners.add(allocation.partner)
        other = Campaign.objects.create(kind="webinar", title="Someone else's", starts_on=timezone.localdate())
        other.partners.add(PartnerFactory())
        response = marketing_client.post(reverse("funds:claim-create"), claim_post(allocation, campaign=other.pk))
        assert response.status_code == 200 and "not with the allocation" in str(response.context["form"].errors)
        response = marketing_client.post(reverse("funds:claim-create"), claim_post(allocation, campaign=theirs.pk))
        assert response.status_code == 302 and FundClaim.objects.get().campaign == theirs

    def test_only_drafts_can_be_edited(self, marketing_client):
        claim = submitted_claim(title="Filed")
        response = marketing_client.post(
            reverse("funds:claim-edit", args=[claim.pk]), claim_post(claim.allocation, title="Changed")
        )
        assert response.status_code == 302
        claim.refresh_from_db()
        assert claim.title == "Filed"
        draft = FundClaimFactory()
        response = marketing_client.post(
            reverse("funds:claim-edit", args=[draft.pk]), claim_post(draft.allocation, title="Changed")
        )
        assert response.status_code == 302
        draft.refresh_from_db()
        assert draft.title == "Changed"


class TestClaimList:
    def test_filters_and_csv(self, outsider_client):
        alpha = FundAllocationFactory(partner__name="Alpha AG")
        FundClaimFactory(allocation=alpha, title="Alpha draft")
        submitted_claim(allocation=alpha, title="Alpha submitted")
        FundClaimFactory(title="Other partner draft")
        url = reverse("funds:claims")
        response = outsider_client.get(url, {"partner": alpha.partner.pk})
        assert {c.title for c in response.context["page_obj"]} == {"Alpha draft", "Alpha submitted"}
        response = outsider_client.get(url, {"status": "submitted"})
        assert [c.title for c in response.context["page_obj"]] == ["Alpha submitted"]
        response = outsider_client.get(url, {"allocation": alpha.pk, "q": "draft"})
        assert [c.title for c in response.context["page_obj"]] == ["Alpha draft"]
        today = timezone.localdate()
        response = outsider_client.get(url, {"activity_after": (today + timedelta(days=1)).isoformat()})
        assert list(response.context["page_obj"]) == []
        rows = csv_rows(outsider_client.get(url, {"partner": alpha.partner.pk, "format": "csv"}))
        assert rows[0][0] == "Title" and sorted(r[0] for r in rows[1:]) == ["Alpha draft", "Alpha submitted"]

    def test_campaign_filter(self, outsider_client):
        claim = FundClaimFactory(title="With campaign")
        FundClaimFactory(title="Without")
        campaign = Campaign.objects.create(kind="event", title="Meetup", starts_on=timezone.localdate())
        campaign.partners.add(claim.allocation.partner)
        FundClaim.objects.filter(pk=claim.pk).update(campaign=campaign)
        response = outsider_client.get(reverse("funds:claims"), {"campaign": campaign.pk})
        assert [c.title for c in response.context["page_obj"]] == ["With campaign"]

    def test_bad_sort_and_page_are_harmless(self, outsider_client):
        FundClaimFactory()
        assert (
            outsider_client.get(
                reverse("funds:claims"), {"sort": "allocation__partner__manager__password", "page": "x"}
            ).status_code
            == 200
        )

    def test_anonymous_is_sent_to_login(self, client):
        claim = FundClaimFactory()
        for url in [reverse("funds:claims"), claim.get_absolute_url(), reverse("funds:invoices"), reverse("funds:accounting")]:
            response = client.get(url)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    @pytest.mark.parametrize("rows", [1, 50])
    def test_query_count_is_flat(self, rows, manager_client, django_assert_num_queries):
        for _ in range(rows):
            InvoiceFactory()
        # session, user, count, page (with partner, invoice, campaign), partner, allocation and campaign options
        with django_assert_num_queries(7):
            assert manager_client.get(reverse("funds:claims")).status_code == 200


class TestClaimDetail:
    @pytest.mark.parametrize("rows", [1, 50])
    def test_query_count_is_flat(self, rows, marketing_client, django_assert_num_queries):
        claim = submitted_claim()
        for n in range(rows):
            ProofDocument.objects.create(claim=claim, file=SimpleUploadedFile(f"p{n}.pdf", PDF), uploaded_by=claim.created_by)
            FundClaimFactory(allocation=claim.allocation, status=S.APPROVED, approved_amount=Decimal("10"))
        # session, user, claim (joined), proof documents, remaining of the allocation
        with django_assert_num_queries(5):
            response = marketing_client.get(claim.get_absolute_url())
        assert response.status_code == 200
        assert b'id="approve-claim"' in response.content

    def test_unknown_is_404(self, outsider_client):
        assert outsider_client.get(reverse("funds:claim-detail", args=[12345])).status_code == 404

    def test_read_only_for_people_without_the_role(self, outsider_client):
        claim = submitted_claim()
        response = outsider_client.get(claim.get_absolute_url())
        assert response.status_code == 200
        assert b'id="approve-claim"' not in response.content and b'id="mark-paid"' not in response.content


class TestLifecycleThroughPages:
    def test_full_journey(self, marketing_client, manager_client, accounting_client, marketing, manager, accounting):
        allocation = FundAllocationFactory(amount=Decimal("5000.00"))
        claim = FundClaimFactory(allocation=allocation, requested_amount=Decimal("2000.00"))

        # GET never changes state.
        assert marketing_client.get(reverse("funds:claim-submit", args=[claim.pk])).status_code == 405

        r = marketing_client.post(reverse("funds:claim-submit", args=[claim.pk]), {"tool_reference": "RH-CLM-77"})
        assert r.status_code == 302
        claim.refresh_from_db()
        assert claim.status == S.SUBMITTED and claim.tool_reference == "RH-CLM-77" and claim.submitted_by == marketing

        r = manager_client.post(reverse("funds:claim-approve", args=[claim.pk]), {"approved_amount": "1800.00"})
        assert r.status_code == 302
        claim.refresh_from_db()
        assert claim.status == S.APPROVED and claim.approved_amount == Decimal("1800.00") and claim.decided_by == manager

        r = marketing_client.post(reverse("funds:claim-submit-proof", args=[claim.pk]))
        assert r.status_code == 200 and "Upload at least one proof document" in r.content.decode()
        claim.refresh_from_db()
        assert claim.status == S.APPROVED

        upload = SimpleUploadedFile("attendees.pdf", PDF, content_type="application/pdf")
        r = marketing_client.post(
            reverse("funds:claim-proof-upload", args=[claim.pk]), {"file": upload, "description": "Attendee list"}
        )
        assert r.status_code == 302
        document = claim.proof_documents.get()
        download = marketing_client.get(reverse("funds:proof-download", args=[document.pk]))
        assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")

        r = marketing_client.post(reverse("funds:claim-submit-proof", args=[claim.pk]))
        assert r.status_code == 302
        claim.refresh_from_db()
        assert claim.status == S.PROOF_SUBMITTED and claim.proof_submitted_by == marketing

        # Marketing handles claims but does not issue VSHN invoices.
        assert (
            marketing_client.post(
                reverse("funds:claim-invoice", args=[claim.pk]), {"number": "X", "issued_on": "2026-01-01"}
            ).status_code
            == 403
        )
        issued = timezone.localdate() - timedelta(days=3)
        r = manager_client.post(
            reverse("funds:claim-invoice", args=[claim.pk]), {"number": "VSHN-2026-001", "issued_on": issued.isoformat()}
        )
        assert r.status_code == 302
        invoice = Invoice.objects.get()
        assert invoice.due_on == issued + timedelta(days=30)  # default payment term
        assert invoice.amount == Decimal("1800.00") and invoice.currency == claim.currency
        claim.refresh_from_db()
        assert claim.status == S.INVOICED and claim.invoiced_at

        r = accounting_client.post(
            reverse("funds:invoice-paid", args=[invoice.pk]), {"paid_on": timezone.localdate().isoformat()}
        )
        assert r.status_code == 302
        invoice.refresh_from_db()
        claim.refresh_from_db()
        assert invoice.paid_on == timezone.localdate() and invoice.paid_by == accounting
        assert claim.status == S.PAID and claim.paid_at

        # Paying twice is a clear error, nothing changes.
        r = accounting_client.post(
            reverse("funds:invoice-paid", args=[invoice.pk]), {"paid_on": timezone.localdate().isoformat()}, follow=True
        )
        assert "already marked paid" in r.content.decode()
        invoice.refresh_from_db()
        assert invoice.paid_by == accounting

    def test_checklist_complete_is_proof_enough(self, marketing_client):
        claim = approved_claim()
        checklist = {name: "on" for name in FundClaim.PROOF_CHECKLIST}
        assert marketing_client.post(reverse("funds:claim-checklist", args=[claim.pk]), checklist).status_code == 302
        assert marketing_client.post(reverse("funds:claim-submit-proof", args=[claim.pk])).status_code == 302
        claim.refresh_from_db()
        assert claim.status == S.PROOF_SUBMITTED

    def test_reject(self, marketing_client):
        claim = submitted_claim()
        assert (
            marketing_client.post(reverse("funds:claim-reject", args=[claim.pk]), {"reason": "Not eligible"}).status_code == 302
        )
        claim.refresh_from_db()
        assert claim.status == S.REJECTED and claim.rejection_reason == "Not eligible"

    def test_submit_needs_the_tool_reference(self, marketing_client):
        claim = FundClaimFactory()
        r = marketing_client.post(reverse("funds:claim-submit", args=[claim.pk]), {"tool_reference": "   "})
        assert r.status_code == 200 and r.context["submit_form"].errors
        claim.refresh_from_db()
        assert claim.status == S.DRAFT

    @pytest.mark.parametrize(
        "amount,message",
        [
            ("1200.00", "above the requested amount"),
            ("900.00", "Only CHF 800.00 is left"),
            ("0", "greater than zero"),
            ("-5", "greater than zero"),
            ("10.001", "at most 2 decimal places"),
        ],
    )
    def test_bad_approved_amounts(self, manager_client, amount, message):
        allocation = FundAllocationFactory(amount=Decimal("3000.00"), currency="CHF")
        approved_claim(allocation=allocation, requested_amount=Decimal("2200.00"), approved_amount=Decimal("2200.00"))
        FundClaimFactory(allocation=allocation, status=S.REJECTED, requested_amount=Decimal("999"))  # uses nothing up
        claim = submitted_claim(allocation=allocation, requested_amount=Decimal("1000.00"))
        r = manager_client.post(reverse("funds:claim-approve", args=[claim.pk]), {"approved_amount": amount})
        assert r.status_code == 200
        assert message in str(r.context["approve_form"].errors)
        claim.refresh_from_db()
        assert claim.status == S.SUBMITTED and claim.approved_amount is None

    @pytest.mark.parametrize(
        "data,message",
        [
            ({"number": "VSHN-1", "issued_on": "2026-03-10", "due_on": "2026-03-01"}, "due date cannot be before the issue date"),
            ({"number": "vshn-dup", "issued_on": "2026-03-10"}, "already exists"),
            ({"number": "VSHN-2", "issued_on": "2026-03-10", "amount": "-1"}, "greater than zero"),
            ({"number": "VSHN-3", "issued_on": "2026-03-10", "amount": "5000.00"}, "above the approved amount"),
            ({"number": "VSHN-4", "issued_on": "2026-03-10", "amount": "1.001"}, "at most 2 decimal places"),
            ({"number": "", "issued_on": "2026-03-10"}, "required"),
            ({"number": "VSHN-5", "issued_on": "not a date"}, "valid date"),
        ],
    )
    def test_bad_invoices(self, manager_client, data, message):
        InvoiceFactory(number="VSHN-DUP")
        claim = approved_claim(status=S.PROOF_SUBMITTED)
        r = manager_client.post(reverse("funds:claim-invoice", args=[claim.pk]), data)
        assert r.status_code == 200
        assert message in str(r.context["invoice_form"].errors)
        claim.refresh_from_db()
        assert claim.status == S.PROOF_SUBMITTED and Invoice.objects.count() == 1

    def test_proof_upload_refuses_a_fake_pdf(self, marketing_client):
        claim = approved_claim()
        upload = SimpleUploadedFile("evil.pdf", b"MZ\x90\x00 not a pdf")
        r = marketing_client.post(reverse("funds:claim-proof-upload", args=[claim.pk]), {"file": upload})
        assert r.status_code == 200 and "not a valid .pdf" in str(r.context["document_form"].errors)
        assert not ProofDocument.objects.exists()

    @pytest.mark.parametrize("persona", NOT_CLAIM_HANDLERS)
    def test_transitions_refused_for_other_roles(self, persona, request):
        client = request.getfixturevalue(persona)
        draft, submitted = FundClaimFactory(), submitted_claim()
        approved = approved_claim()
        assert client.post(reverse("funds:claim-submit", args=[draft.pk]), {"tool_reference": "X"}).status_code == 403
        assert client.post(reverse("funds:claim-approve", args=[submitted.pk]), {"approved_amount": "1"}).status_code == 403
        assert client.post(reverse("funds:claim-reject", args=[submitted.pk]), {"reason": "x"}).status_code == 403
        assert client.post(reverse("funds:claim-checklist", args=[approved.pk]), {}).status_code == 403
        assert client.post(reverse("funds:claim-submit-proof", args=[approved.pk])).status_code == 403
        upload = SimpleUploadedFile("p.pdf", PDF)
        assert client.post(reverse("funds:claim-proof-upload", args=[approved.pk]), {"file": upload}).status_code == 403
        assert [c.status for c in FundClaim.objects.order_by("pk")] == [S.DRAFT, S.SUBMITTED, S.APPROVED]
        assert not ProofDocument.objects.exists()

    @pytest.mark.parametrize("persona", ["sales_client", "marketing_client", "outsider_client", "accounting_client"])
    def test_only_partner_managers_issue_invoices(self, persona, request):
        claim = approved_claim(status=S.PROOF_SUBMITTED)
        r = request.getfixturevalue(persona).post(
            reverse("funds:claim-invoice", args=[claim.pk]), {"number": "V-1", "issued_on": "2026-01-01"}
        )
        assert r.status_code == 403 and not Invoice.objects.exists()

    @pytest.mark.parametrize("persona", ["sales_client", "marketing_client", "outsider_client"])
    def test_only_accounting_and_managers_mark_paid(self, persona, request):
        invoice = InvoiceFactory()
        r = request.getfixturevalue(persona).post(
            reverse("funds:invoice-paid", args=[invoice.pk]), {"paid_on": timezone.localdate().isoformat()}
        )
        assert r.status_code == 403
        invoice.refresh_from_db()
        assert invoice.paid_on is None

    def test_mark_paid_refuses_future_and_pre_issue_dates(self, accounting_client):
        invoice = InvoiceFactory(issued_on=timezone.localdate() - timedelta(days=5))
        url = reverse("funds:invoice-paid", args=[invoice.pk])
        r = accounting_client.post(url, {"paid_on": (timezone.localdate() + timedelta(days=1)).isoformat()}, follow=True)
        assert "cannot be in the future" in r.content.decode()
        r = accounting_client.post(url, {"paid_on": (timezone.localdate() - timedelta(days=6)).isoformat()}, follow=True)
        assert "cannot be paid before it was issued" in r.content.decode()
        r = accounting_client.post(url, {"paid_on": "garbage"}, follow=True)
        assert r.status_code == 200
        invoice.refresh_from_db()
        assert invoice.paid_on is None and invoice.claim.status == S.INVOICED

    def test_mark_paid_ignores_an_offsite_next(self, accounting_client):
        invoice = InvoiceFactory()
        r = accounting_client.post(
            reverse("funds:invoice-paid", args=[invoice.pk]),
            {"paid_on": timezone.localdate().isoformat(), "next": "https://evil.example/"},
        )
        assert r["Location"] == reverse("funds:accounting")


class TestServices:
    """The state machine itself: only listed moves, only by listed roles."""

    ILLEGAL = [
        (S.DRAFT, "approve"),
        (S.DRAFT, "submit_proof"),
        (S.DRAFT, "invoice"),
        (S.SUBMITTED, "submit"),
        (S.SUBMITTED, "submit_proof"),
        (S.SUBMITTED, "invoice"),
        (S.APPROVED, "approve"),
        (S.APPROVED, "reject"),
        (S.APPROVED, "invoice"),
        (S.REJECTED, "approve"),
        (S.REJECTED, "submit"),
        (S.REJECTED, "submit_proof"),
        (S.PROOF_SUBMITTED, "approve"),
        (S.PROOF_SUBMITTED, "submit_proof"),
        (S.INVOICED, "invoice"),
        (S.PAID, "reject"),
    ]

    def _run(self, action, claim, user):
        if action == "submit":
            return services.fund_claim_submit(claim_id=claim.pk, tool_reference="R", by=user)
        if action == "approve":
            return services.fund_claim_approve(claim_id=claim.pk, approved_amount=Decimal("1"), by=user)
        if action == "reject":
            return services.fund_claim_reject(claim_id=claim.pk, reason="", by=user)
        if action == "submit_proof":
            return services.fund_claim_submit_proof(claim_id=claim.pk, by=user)
        if action == "invoice":
            return services.invoice_create(claim_id=claim.pk, number="N-1", issued_on=timezone.localdate(), by=user)
        raise AssertionError(action)

    @pytest.mark.parametrize("status,action", ILLEGAL)
    def test_illegal_moves_are_refused(self, status, action, admin_user):
        approved = status in FundClaim.COMMITTED_STATUSES
        claim = FundClaimFactory(status=status, approved_amount=Decimal("500") if approved else None, proof_photos=True)
        with pytest.raises(ValidationError):
            self._run(action, claim, admin_user)
        claim.refresh_from_db()
        assert claim.status == status

    def test_second_approval_names_who_won(self, manager, marketing):
        claim = submitted_claim()
        services.fund_claim_approve(claim_id=claim.pk, approved_amount=Decimal("100"), by=manager)
        with pytest.raises(ValidationError, match=r"already approved by .*"):
            services.fund_claim_approve(claim_id=claim.pk, approved_amount=Decimal("200"), by=marketing)
        claim.refresh_from_db()
        assert claim.approved_amount == Decimal("100") and claim.decided_by == manager

    @pytest.mark.parametrize("role_fixture", ["sales", "accounting", "outsider"])
    def test_state_moves_check_their_roles_in_the_service(self, role_fixture, request):
        """A move of the state machine is allowed to the roles in TRANSITION_ACTIONS, whoever calls it."""
        user = request.getfixturevalue(role_fixture)
        claim = submitted_claim()
        with pytest.raises(PermissionDenied):
            services.fund_claim_approve(claim_id=claim.pk, approved_amount=Decimal("1"), by=user)
        claim.refresh_from_db()
        assert claim.status == S.SUBMITTED

    @pytest.mark.parametrize("role_fixture", ["sales", "accounting", "outsider"])
    def test_creating_a_claim_is_refused_by_the_view(self, role_fixture, request, client_for):
        """Who may use a page is checked once, by the view (@action_required); the service does not repeat it."""
        user = request.getfixturevalue(role_fixture)
        allocation = submitted_claim().allocation
        today = timezone.localdate()
        response = client_for(user).post(
            reverse("funds:claim-create"),
            {
                "allocation": allocation.pk,
                "title": "x",
                "activity_start": today.isoformat(),
                "activity_end": today.isoformat(),
                "requested_amount": "1",
                "currency": "CHF",
            },
        )
        assert response.status_code == 403
        assert not FundClaim.objects.filter(title="x").exists()

    def test_accounting_cannot_issue_but_can_pay(self, accounting, manager):
        claim = approved_claim(status=S.PROOF_SUBMITTED)
        with pytest.raises(PermissionDenied):
            services.invoice_create(claim_id=claim.pk, number="A-1", issued_on=timezone.localdate(), by=accounting)
        invoice = services.invoice_create(claim_id=claim.pk, number="A-1", issued_on=timezone.localdate(), by=manager)
        services.invoice_mark_paid(invoice_id=invoice.pk, paid_on=timezone.localdate(), by=accounting)
        with pytest.raises(ValidationError, match="already marked paid"):
            services.invoice_mark_paid(invoice_id=invoice.pk, paid_on=timezone.localdate(), by=manager)

    def test_database_constraints_hold_without_the_services(self):
        from django.db import IntegrityError, transaction

        claim = submitted_claim(requested_amount=Decimal("100"))
        with transaction.atomic(), pytest.raises(IntegrityError):
            FundClaim.objects.filter(pk=claim.pk).update(approved_amount=Decimal("101"))
        with transaction.atomic(), pytest.raises(IntegrityError):
            FundClaim.objects.filter(pk=claim.pk).update(requested_amount=Decimal("-1"))
        with transaction.atomic(), pytest.raises(IntegrityError):
            FundClaim.objects.filter(pk=claim.pk).update(status=S.APPROVED)  # approved needs an amount
        invoice = InvoiceFactory(number="UNIQUE-1")
        with transaction.atomic(), pytest.raises(IntegrityError):
            Invoice.objects.filter(pk=invoice.pk).update(due_on=invoice.issued_on - timedelta(days=1))
        with transaction.atomic(), pytest.raises(IntegrityError):
            InvoiceFactory(number="unique-1")
        with transaction.atomic(), pytest.raises(IntegrityError):
            Invoice.objects.filter(pk=invoice.pk).update(amount=0)


class TestClaimAboveWhatIsLeft:
    """Issue 16, item 8: a claim above the allocation's remaining amount is warned about before it is saved or submitted."""

    def _allocation_with_30000_left(self):
        allocation = FundAllocationFactory(currency="CHF", amount=Decimal("50000.00"))
        approved_claim(allocation=allocation, requested_amount=Decimal("20000.00"))
        return allocation

    def test_create_warns_and_saves_nothing_until_confirmed(self, marketing_client):
        allocation = self._allocation_with_30000_left()
        url = reverse("funds:claim-create")
        response = marketing_client.post(url, claim_post(allocation, requested_amount="999999.00"))
        assert response.status_code == 200
        content = response.content.decode()
        assert 'data-testid="over-remaining-warning"' in content
        assert "CHF 999&#x27;999.00" in content and "CHF 30&#x27;000.00" in content
        assert 'data-testid="confirm-over-remaining"' in content
        assert "Tick the box to save it anyway." in str(response.context["form"].errors)
        assert FundClaim.objects.count() == 1  # only the approved one

        response = marketing_client.post(url, claim_post(allocation, requested_amount="999999.00", confirm_over_remaining="on"))
        assert response.status_code == 302
        assert FundClaim.objects.get(status=S.DRAFT).requested_amount == Decimal("999999.00")

    def test_within_what_is_left_has_no_warning_and_no_box(self, marketing_client):
        allocation = self._allocation_with_30000_left()
        assert "confirm-over-remaining" not in marketing_client.get(reverse("funds:claim-create")).content.decode()
        response = marketing_client.post(reverse("funds:claim-create"), claim_post(allocation, requested_amount="30000.00"))
        assert response.status_code == 302

    def test_edit_warns_too(self, marketing_client):
        allocation = self._allocation_with_30000_left()
        claim = FundClaimFactory(allocation=allocation, requested_amount=Decimal("1000.00"))
        url = reverse("funds:claim-edit", args=[claim.pk])
        response = marketing_client.post(url, claim_post(allocation, requested_amount="40000.00"))
        assert response.status_code == 200 and 'data-testid="over-remaining-warning"' in response.content.decode()
        claim.refresh_from_db()
        assert claim.requested_amount == Decimal("1000.00")

    def test_submit_warns_and_needs_the_box(self, marketing_client):
        allocation = self._allocation_with_30000_left()
        claim = FundClaimFactory(allocation=allocation, requested_amount=Decimal("999999.00"))
        page = marketing_client.get(claim.get_absolute_url()).content.decode()
        assert 'data-testid="over-remaining-warning"' in page and 'data-testid="confirm-over-remaining"' in page

        url = reverse("funds:claim-submit", args=[claim.pk])
        response = marketing_client.post(url, {"tool_reference": "RH-1"})
        assert response.status_code == 200
        assert "Tick the box to submit it anyway." in str(response.context["submit_form"].errors)
        claim.refresh_from_db()
        assert claim.status == S.DRAFT

        assert marketing_client.post(url, {"tool_reference": "RH-1", "confirm_over_remaining": "on"}).status_code == 302
        claim.refresh_from_db()
        assert claim.status == S.SUBMITTED

    def test_submit_within_what_is_left_asks_nothing(self, marketing_client):
        claim = FundClaimFactory(allocation=self._allocation_with_30000_left(), requested_amount=Decimal("30000.00"))
        page = marketing_client.get(claim.get_absolute_url()).content.decode()
        assert "over-remaining" not in page
        assert marketing_client.post(reverse("funds:claim-submit", args=[claim.pk]), {"tool_reference": "R"}).status_code == 302

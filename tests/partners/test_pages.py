import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partners.models import Contact, Contract, Partner, SupplierRiskAssessment

from ..factories import ContactFactory, ContractFactory, PartnerFactory, RiskAssessmentFactory, partner_type

pytestmark = pytest.mark.django_db


def partner_post(**overrides):
    data = {
        "name": "Acme Cloud AG",
        "types": [partner_type("csp").pk, partner_type("distributor").pk],
        "stage": "active",
        "manager": "",
        "program_level": "Gold",
        "website": "https://acme.example",
        "sync_cadence": "monthly",
        "markets": "Switzerland",
        "strategy": "",
        "why_together": "",
        "vshn_products": "",
        "pricing_details": "",
        "reporting_details": "",
    }
    data.update(overrides)
    return data


class TestPartnerList:
    def test_lists_filters_and_hides_archived(self, manager_client):
        PartnerFactory(name="Visible Cloud", stage="active")
        PartnerFactory(name="Old Friend", archived=True)
        PartnerFactory(name="Prospect Inc", stage="prospect")
        response = manager_client.get(reverse("partners:list"))
        assert response.status_code == 200
        assert b"Visible Cloud" in response.content
        assert b"Old Friend" not in response.content
        response = manager_client.get(reverse("partners:list"), {"stage": "prospect"})
        assert b"Prospect Inc" in response.content and b"Visible Cloud" not in response.content
        response = manager_client.get(reverse("partners:list"), {"archived": "true"})
        assert b"Old Friend" in response.content and b"Visible Cloud" not in response.content

    def test_search_and_type_filter(self, manager_client):
        PartnerFactory(name="Kubernetes Masters", types=[partner_type("software-vendor")])
        PartnerFactory(name="Cloud Builders", types=[partner_type("csp")])
        response = manager_client.get(reverse("partners:list"), {"q": "kubern"})
        assert b"Kubernetes Masters" in response.content and b"Cloud Builders" not in response.content
        response = manager_client.get(reverse("partners:list"), {"type": partner_type("csp").pk})
        assert b"Cloud Builders" in response.content and b"Kubernetes Masters" not in response.content

    def test_sorting_is_whitelisted(self, manager_client):
        PartnerFactory(name="Alpha")
        PartnerFactory(name="Zulu")
        response = manager_client.get(reverse("partners:list"), {"sort": "-name"})
        names = [p.name for p in response.context["page_obj"]]
        assert names == ["Zulu", "Alpha"]
        # An unknown or hostile sort key falls back to the default, never an error.
        response = manager_client.get(reverse("partners:list"), {"sort": "manager__password"})
        assert response.status_code == 200
        assert [p.name for p in response.context["page_obj"]] == ["Alpha", "Zulu"]

    def test_pagination_and_bad_page(self, manager_client):
        PartnerFactory.create_batch(30)
        assert len(manager_client.get(reverse("partners:list")).context["page_obj"]) == 25
        assert len(manager_client.get(reverse("partners:list"), {"page": "2"}).context["page_obj"]) == 5
        assert manager_client.get(reverse("partners:list"), {"page": "abc"}).status_code == 200

    def test_csv_export_respects_filters(self, sales_client):
        PartnerFactory(name="Exported AG", stage="active", program_level="Gold")
        PartnerFactory(name="=cmd|' /C calc'!A0", stage="active")
        PartnerFactory(name="Filtered Out", stage="prospect")
        response = sales_client.get(reverse("partners:list"), {"stage": "active", "format": "csv"})
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        assert rows[0][0] == "Name"
        names = sorted(row[0] for row in rows[1:])
        assert names == ["'=cmd|' /C calc'!A0", "Exported AG"]  # formula defused

    @pytest.mark.parametrize("rows", [1, 50])
    def test_query_count_is_flat(self, rows, manager_client, django_assert_num_queries):
        PartnerFactory.create_batch(rows)
        # session, user (+roles +unread), count, page, types prefetch, running onboardings (progress),
        # type options, manager options
        with django_assert_num_queries(8):
            response = manager_client.get(reverse("partners:list"))
        assert response.status_code == 200


class TestPartnerDetail:
    def test_shows_everything(self, outsider_client):
        partner = PartnerFactory(name="Detail AG", strategy="Grow together")
        ContactFactory(partner=partner, first_name="Heidi", last_name="Muster")
        ContractFactory(partner=partner, title="Reseller agreement")
        RiskAssessmentFactory(partner=partner, mitigations="Encrypted backups")
        response = outsider_client.get(partner.get_absolute_url())
        assert response.status_code == 200
        for text in [b"Detail AG", b"Grow together", b"Heidi Muster", b"Reseller agreement", b"Encrypted backups"]:
            assert text in response.content

    def test_unknown_partner_is_404(self, outsider_client):
        assert outsider_client.get(reverse("partners:detail", args=["nope"])).status_code == 404

    @pytest.mark.parametrize("rows", [1, 50])
    def test_query_count_is_flat(self, rows, manager_client, django_assert_num_queries):
        partner = PartnerFactory()
        ContactFactory.create_batch(rows, partner=partner)
        ContractFactory.create_batch(rows, partner=partner)
        RiskAssessmentFactory.create_batch(rows, partner=partner)
        # session, user, partner, types, team, contacts, contracts, risk; sections load separately
        with django_assert_num_queries(8):
            response = manager_client.get(partner.get_absolute_url())
        assert response.status_code == 200

    def test_every_section_is_loaded_by_htmx(self, outsider_client):
        from partners.sections import ordered_sections

        partner = PartnerFactory()
        html = outsider_client.get(partner.get_absolute_url()).content.decode()
        for section in ordered_sections():
            url = reverse("partners:section", args=[partner.slug, section.key])
            assert f'hx-get="{url}"' in html
            fragment = outsider_client.get(url, HTTP_HX_REQUEST="true")
            assert fragment.status_code == 200 and f'data-testid="section-{section.key}"' in fragment.content.decode()
            assert "<html" not in fragment.content.decode()  # a fragment, not a page
            assert outsider_client.get(url).status_code == 200  # and a full page without htmx

    def test_unknown_section_is_404(self, outsider_client):
        partner = PartnerFactory()
        assert outsider_client.get(reverse("partners:section", args=[partner.slug, "nope"])).status_code == 404


class TestPartnerCreateEdit:
    def test_manager_creates_partner(self, manager_client):
        response = manager_client.post(reverse("partners:create"), partner_post())
        partner = Partner.objects.get(name="Acme Cloud AG")
        assert response.status_code == 302 and response["Location"] == partner.get_absolute_url()
        assert partner.slug == "acme-cloud-ag"
        assert set(partner.types.values_list("code", flat=True)) == {"csp", "distributor"}

    def test_duplicate_name_case_insensitive_is_a_form_error(self, manager_client):
        PartnerFactory(name="Acme Cloud AG")
        response = manager_client.post(reverse("partners:create"), partner_post(name="ACME cloud ag"))
        assert response.status_code == 200
        assert "already exists" in str(response.context["form"].errors)
        assert Partner.objects.count() == 1

    @pytest.mark.parametrize(
        "field,value",
        [("website", "not a url"), ("name", ""), ("types", []), ("stage", "customer"), ("name", "x" * 500)],
    )
    def test_bad_input_is_a_form_error_and_saves_nothing(self, manager_client, field, value):
        response = manager_client.post(reverse("partners:create"), partner_post(**{field: value}))
        assert response.status_code == 200
        assert response.context["form"].errors
        assert not Partner.objects.exists()

    def test_edit(self, manager_client):
        partner = PartnerFactory(name="Before")
        response = manager_client.post(reverse("partners:edit", args=[partner.slug]), partner_post(name="After"))
        assert response.status_code == 302
        partner.refresh_from_db()
        assert partner.name == "After" and partner.program_level == "Gold"

    def test_archive_and_restore_by_post_only(self, manager_client):
        partner = PartnerFactory()
        url = reverse("partners:archive", args=[partner.slug])
        assert manager_client.get(url).status_code == 405
        manager_client.post(url, {"archived": "1"})
        partner.refresh_from_db()
        assert partner.archived and partner.archived_at
        manager_client.post(url, {"archived": "0"})
        partner.refresh_from_db()
        assert not partner.archived

    @pytest.mark.parametrize("persona", ["sales_client", "marketing_client", "accounting_client", "outsider_client"])
    def test_other_roles_get_403(self, persona, request):
        client = request.getfixturevalue(persona)
        partner = PartnerFactory()
        assert client.get(reverse("partners:create")).status_code == 403
        assert client.post(reverse("partners:create"), partner_post()).status_code == 403
        assert client.post(reverse("partners:edit", args=[partner.slug]), partner_post(name="Hacked")).status_code == 403
        assert client.post(reverse("partners:archive", args=[partner.slug])).status_code == 403
        partner.refresh_from_db()
        assert partner.name != "Hacked" and not partner.archived
        assert Partner.objects.count() == 1


class TestContacts:
    def contact_post(self, **overrides):
        data = {
            "first_name": "Heidi",
            "last_name": "Muster",
            "job_title": "CTO",
            "stakeholder_role": "technical",
            "email": "heidi@example.com",
            "phone": "+41 44 123 45 67",
            "is_active": "on",
            "notes": "",
        }
        data.update(overrides)
        return data

    @pytest.mark.parametrize("persona", ["manager_client", "sales_client", "marketing_client"])
    def test_roles_that_may_create_contacts(self, persona, request):
        partner = PartnerFactory()
        response = request.getfixturevalue(persona).post(
            reverse("partners:contact-create", args=[partner.slug]), self.contact_post()
        )
        assert response.status_code == 302
        assert partner.contacts.get().email == "heidi@example.com"

    @pytest.mark.parametrize("persona", ["accounting_client", "outsider_client"])
    def test_roles_that_may_not(self, persona, request):
        partner = PartnerFactory()
        contact = ContactFactory(partner=partner)
        client = request.getfixturevalue(persona)
        assert client.post(reverse("partners:contact-create", args=[partner.slug]), self.contact_post()).status_code == 403
        assert (
            client.post(reverse("partners:contact-edit", args=[partner.slug, contact.pk]), self.contact_post()).status_code == 403
        )
        assert Contact.objects.count() == 1

    def test_invalid_email_is_a_form_error(self, sales_client):
        partner = PartnerFactory()
        response = sales_client.post(reverse("partners:contact-create", args=[partner.slug]), self.contact_post(email="nope@"))
        assert response.status_code == 200 and "email" in response.context["form"].errors
        assert not Contact.objects.exists()

    def test_new_primary_takes_the_flag(self, sales_client):
        partner = PartnerFactory()
        old = ContactFactory(partner=partner, is_primary=True)
        sales_client.post(reverse("partners:contact-create", args=[partner.slug]), self.contact_post(is_primary="on"))
        old.refresh_from_db()
        assert not old.is_primary
        assert partner.contacts.get(is_primary=True).first_name == "Heidi"

    def test_edit_contact_of_other_partner_is_404(self, sales_client):
        contact = ContactFactory()
        other = PartnerFactory()
        assert sales_client.get(reverse("partners:contact-edit", args=[other.slug, contact.pk])).status_code == 404

    def test_csv_and_vcard_exports(self, outsider_client):
        partner = PartnerFactory(name="Export AG")
        ContactFactory(partner=partner, first_name="Heidi", last_name="Muster", email="heidi@example.com", phone="+41 1")
        ContactFactory(first_name="Other", last_name="Person")
        response = outsider_client.get(reverse("partners:partner-contacts", args=[partner.slug]), {"format": "csv"})
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        assert [r[1] for r in rows[1:]] == ["Heidi"]
        response = outsider_client.get(reverse("partners:contacts"), {"format": "csv"})
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        assert len(rows) == 3
        response = outsider_client.get(reverse("partners:partner-contacts", args=[partner.slug]), {"format": "vcf"})
        body = response.content.decode()
        assert response["Content-Type"].startswith("text/vcard")
        assert body.count("BEGIN:VCARD") == 1
        assert "FN:Heidi Muster" in body and "ORG:Export AG" in body and "EMAIL;TYPE=INTERNET,WORK:heidi@example.com" in body

    def test_the_contacts_directory_is_sorted_by_name_across_partners(self, outsider_client):
        ContactFactory(first_name="Zoe", last_name="Adler", partner=PartnerFactory(name="Zeta AG"))
        ContactFactory(first_name="Anna", last_name="Zimmer", partner=PartnerFactory(name="Alpha AG"))
        ContactFactory(first_name="Bea", last_name="Adler", partner=PartnerFactory(name="Mu AG"))
        page = outsider_client.get(reverse("partners:contacts")).context["page_obj"]
        assert [c.full_name for c in page] == ["Bea Adler", "Zoe Adler", "Anna Zimmer"]

    @pytest.mark.parametrize("rows", [1, 50])
    def test_contact_list_query_count_is_flat(self, rows, outsider_client, django_assert_num_queries):
        ContactFactory.create_batch(rows)
        # session, user, count, page (with partner), partner filter options
        with django_assert_num_queries(5):
            assert outsider_client.get(reverse("partners:contacts")).status_code == 200


class TestContracts:
    def contract_post(self, **overrides):
        data = {
            "kind": "partner_agreement",
            "title": "Reseller agreement",
            "start_date": "2026-01-01",
            "end_date": "2027-12-31",
            "notice_period_days": "90",
            "notes": "",
        }
        data.update(overrides)
        return data

    def test_create_with_document_derives_notice_deadline(self, manager_client):
        partner = PartnerFactory()
        pdf = SimpleUploadedFile("agreement.pdf", b"%PDF-1.4 test", content_type="application/pdf")
        response = manager_client.post(
            reverse("partners:contract-create", args=[partner.slug]), {**self.contract_post(), "document": pdf}
        )
        assert response.status_code == 302
        contract = Contract.objects.get()
        assert str(contract.notice_deadline) == "2027-10-02"
        download = manager_client.get(reverse("partners:contract-document", args=[partner.slug, contract.pk]))
        assert download.status_code == 200
        assert download["X-Content-Type-Options"] == "nosniff"
        assert download["Content-Disposition"].startswith("attachment")

    @pytest.mark.parametrize(
        "overrides,field",
        [
            ({"end_date": "2025-12-31"}, None),
            ({"notice_period_days": "-5"}, None),
            ({"start_date": "not a date"}, "start_date"),
        ],
    )
    def test_bad_input(self, manager_client, overrides, field):
        partner = PartnerFactory()
        response = manager_client.post(reverse("partners:contract-create", args=[partner.slug]), self.contract_post(**overrides))
        assert response.status_code == 200
        assert response.context["form"].errors
        assert not Contract.objects.exists()

    @pytest.mark.parametrize(
        "name,content,error",
        [
            ("big.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024 + 1), "at most 10 MB"),
            ("script.exe", b"MZ\x90\x00", "not allowed"),
            ("fake.pdf", b"MZ\x90\x00 not a pdf", "not a valid .pdf"),
        ],
    )
    def test_bad_uploads(self, manager_client, name, content, error):
        partner = PartnerFactory()
        upload = SimpleUploadedFile(name, content)
        response = manager_client.post(
            reverse("partners:contract-create", args=[partner.slug]), {**self.contract_post(), "document": upload}
        )
        assert response.status_code == 200
        assert error in str(response.context["form"].errors["document"])
        assert not Contract.objects.exists()

    def test_sales_may_not_touch_contracts(self, sales_client):
        partner = PartnerFactory()
        assert (
            sales_client.post(reverse("partners:contract-create", args=[partner.slug]), self.contract_post()).status_code == 403
        )
        assert not Contract.objects.exists()


class TestRisk:
    def test_create_and_bad_dates(self, manager, manager_client):
        partner = PartnerFactory()
        url = reverse("partners:risk-create", args=[partner.slug])
        data = {"risk_level": "high", "criticality": "high", "assessed_on": "2026-06-01", "next_review_due": "2026-01-01"}
        response = manager_client.post(url, data)
        assert response.status_code == 200 and "cannot be before" in str(response.context["form"].errors)
        assert not SupplierRiskAssessment.objects.exists()
        response = manager_client.post(url, {**data, "next_review_due": "2027-06-01"})
        assert response.status_code == 302
        assert SupplierRiskAssessment.objects.get().assessed_by == manager

    def test_marketing_gets_403(self, marketing_client):
        partner = PartnerFactory()
        assert marketing_client.get(reverse("partners:risk-create", args=[partner.slug])).status_code == 403


def test_detail_of_a_partner_without_manager_renders(outsider_client):
    partner = PartnerFactory(manager=None)
    assert outsider_client.get(partner.get_absolute_url()).status_code == 200

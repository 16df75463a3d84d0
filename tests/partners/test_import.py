"""Partner and contact import in the admin (django-import-export): every column the export writes
is read back, export → import changes nothing, and a bad row says what is wrong in words."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from import_export.formats.base_formats import CSV

from partners.models import Contact, Partner
from partners.resources import ContactResource, PartnerResource

from ..factories import ContactFactory, PartnerFactory, UserFactory, partner_type

pytestmark = pytest.mark.django_db


def _export(resource) -> str:
    return resource.export().csv


def _csv_format_index(admin_client, url) -> str:
    form = admin_client.get(url).context["form"]
    choices = form.fields["format"].choices
    return next(str(value) for value, label in choices if str(label).lower() == "csv")


def _admin_import(client, model: str, text: str):
    """Upload and confirm through the admin's own two steps; returns (preview, confirmed) responses."""
    url = reverse(f"admin:partners_{model}_import")
    fmt = _csv_format_index(client, url)
    upload = SimpleUploadedFile(f"{model}s.csv", text.encode(), content_type="text/csv")
    preview = client.post(url, {"import_file": upload, "format": fmt, "resource": "0"})
    assert preview.status_code == 200
    confirm = preview.context.get("confirm_form")
    if confirm is None:
        result = preview.context.get("result")
        for row in result.rows if result else []:  # shown when a test fails
            print(row.import_type, [e.traceback for e in row.errors], row.validation_error)
        return preview, None
    data = {
        name: field.initial if field.initial is not None else confirm.initial.get(name) for name, field in confirm.fields.items()
    }
    data = {k: v for k, v in {**confirm.initial, **data}.items() if v is not None}
    confirmed = client.post(reverse(f"admin:partners_{model}_process_import"), data)
    return preview, confirmed


@pytest.fixture
def partners():
    marta = UserFactory(username="marta")
    a = PartnerFactory(
        name="Red Hat",
        slug="red-hat",
        manager=marta,
        types=[partner_type("software-vendor")],
        program_level="Premier",
        markets="Switzerland, DACH",
        website="https://www.redhat.com",
    )
    b = PartnerFactory(
        name="Ingram Micro",
        slug="ingram",
        manager=None,
        sync_cadence="quarterly",
        archived=True,
        types=[partner_type("distributor"), partner_type("csp")],
    )
    ContactFactory(partner=a, first_name="Laura", last_name="Keller", phone="+41 44 512 34 10", is_primary=True)
    ContactFactory(
        partner=b, first_name="Beat", last_name="Zimmermann", job_title="CFO", stakeholder_role="billing", is_active=False
    )
    return a, b


def _snapshot():
    return (
        [
            (
                p.name,
                p.slug,
                p.stage,
                p.manager_id,
                p.program_level,
                p.website,
                p.markets,
                p.sync_cadence,
                p.archived,
                sorted(t.code for t in p.types.all()),
            )
            for p in Partner.objects.order_by("slug")
        ],
        list(
            Contact.objects.order_by("id").values_list(
                "partner_id",
                "first_name",
                "last_name",
                "job_title",
                "stakeholder_role",
                "email",
                "phone",
                "is_primary",
                "is_active",
            )
        ),
        Partner.history.count(),
        Contact.history.count(),
    )


class TestRoundTrip:
    def test_partner_export_then_import_changes_nothing(self, partners):
        text = _export(PartnerResource())
        assert "manager" in text.splitlines()[0] and "marta" in text
        before = _snapshot()
        result = PartnerResource().import_data(CSV().create_dataset(text), dry_run=False, raise_errors=False)
        assert not result.has_errors() and not result.has_validation_errors()
        assert result.totals["skip"] == 2 and result.totals["update"] == 0 and result.totals["new"] == 0
        assert _snapshot() == before

    def test_contact_export_then_import_changes_nothing(self, partners):
        text = _export(ContactResource())
        before = _snapshot()
        result = ContactResource().import_data(CSV().create_dataset(text), dry_run=False, raise_errors=False)
        assert not result.has_errors() and not result.has_validation_errors()
        assert result.totals["skip"] == 2
        assert _snapshot() == before

    @pytest.mark.parametrize("model, resource", [("partner", PartnerResource), ("contact", ContactResource)])
    def test_round_trip_through_the_admin(self, partners, admin_client_, model, resource):
        """The admin's own export file, uploaded to the admin's import: every row skipped, nothing changed."""
        prefix = resource.__name__.lower()
        fields = {f"{prefix}_{name}": "on" for name in resource().get_export_order()}
        export = admin_client_.post(reverse(f"admin:partners_{model}_export"), {"format": "0", "resource": "0", **fields})
        assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
        text = export.content.decode("utf-8-sig")
        assert len(text.strip().splitlines()) == 3  # header + 2 rows
        before = _snapshot()
        preview, confirmed = _admin_import(admin_client_, model, text)
        assert b"has no attribute" not in preview.content
        assert confirmed is not None and confirmed.status_code == 302
        assert _snapshot() == before

    def test_import_creates_and_updates_through_the_admin(self, partners, admin_client_):
        UserFactory(username="petra")
        text = (
            "name,slug,types,stage,manager,program_level,website,markets,sync_cadence,archived\r\n"
            'Red Hat,red-hat,Software Vendor,active,petra,Premier,https://www.redhat.com,"Switzerland, DACH",monthly,0\r\n'
            "Microsoft,microsoft,Software Vendor;CSP (cloud service provider),prospect,marta,Solutions Partner,"
            "https://www.microsoft.com,Global,quarterly,0\r\n"
        )
        _, confirmed = _admin_import(admin_client_, "partner", text)
        assert confirmed.status_code == 302
        assert Partner.objects.get(slug="red-hat").manager.username == "petra"
        microsoft = Partner.objects.get(slug="microsoft")
        assert microsoft.manager.username == "marta" and microsoft.sync_cadence == "quarterly"
        assert {t.code for t in microsoft.types.all()} == {"software-vendor", "csp"}

    def test_contact_import_through_the_admin(self, partners, admin_client_):
        text = (
            "id,partner,first_name,last_name,job_title,stakeholder_role,email,phone,is_primary,is_active\r\n"
            ",red-hat,Marco,Rossi,Sales lead,sales,marco.rossi@redhat.example,+41 44 512 34 11,0,1\r\n"
        )
        _, confirmed = _admin_import(admin_client_, "contact", text)
        assert confirmed.status_code == 302
        marco = Contact.objects.get(first_name="Marco")
        assert marco.partner.slug == "red-hat" and marco.phone == "+41 44 512 34 11"


class TestErrorsInWords:
    def test_unknown_manager_type_and_partner_are_named(self, partners, admin_client_):
        text = (
            "name,slug,types,stage,manager,program_level,website,markets,sync_cadence,archived\r\n"
            "Nobody AG,nobody,Software Vendor,active,ghost,,,,monthly,0\r\n"
            "Hyper AG,hyper,Software Vendor;Hyperscaler,active,marta,,,,monthly,0\r\n"
        )
        preview, confirmed = _admin_import(admin_client_, "partner", text)
        assert confirmed is None
        page = preview.content.decode()
        assert "No user with the username “ghost” exists." in page
        assert "No partner type named “Hyperscaler”" in page
        assert "has no attribute" not in page
        assert not Partner.objects.filter(slug__in=["nobody", "hyper"]).exists()

        text = (
            "id,partner,first_name,last_name,job_title,stakeholder_role,email,phone,is_primary,is_active\r\n"
            ",no-such-partner,Ann,Other,,sales,,,0,1\r\n"
        )
        preview, confirmed = _admin_import(admin_client_, "contact", text)
        assert confirmed is None
        assert "No partner with the slug or name “no-such-partner” exists." in preview.content.decode()
        assert not Contact.objects.filter(first_name="Ann").exists()

    def test_bad_choice_is_a_validation_error_in_words(self, partners, admin_client_):
        text = (
            "name,slug,types,stage,manager,program_level,website,markets,sync_cadence,archived\r\n"
            "Odd AG,odd,,active,marta,,,,every-now-and-then,0\r\n"
        )
        preview, confirmed = _admin_import(admin_client_, "partner", text)
        assert confirmed is None
        assert "is not a valid choice" in preview.content.decode()
        assert not Partner.objects.filter(slug="odd").exists()


def _admin_import_bytes(client, data: bytes):
    """The contact import with the file as bytes (an encoding other than UTF-8 is the point)."""
    url = reverse("admin:partners_contact_import")
    fmt = _csv_format_index(client, url)
    preview = client.post(
        url, {"import_file": SimpleUploadedFile("contacts.csv", data, content_type="text/csv"), "format": fmt, "resource": "0"}
    )
    assert preview.status_code == 200
    confirm = preview.context.get("confirm_form")
    if confirm is None:
        return preview, None
    data = {k: v for k, v in confirm.initial.items() if v is not None}
    return preview, client.post(reverse("admin:partners_contact_process_import"), data)


def _reasons(preview) -> list[tuple[str, str]]:
    return [(row.import_type, row.reason) for row in preview.context["result"].valid_rows()]


class TestSpreadsheetContacts:
    """Issue 16, item 7: PartnerHub's own export, spreadsheets' encodings and separators, no duplicates."""

    def test_own_contacts_export_imported_back_changes_nothing_and_says_why(self, partners, admin_client_, manager_client):
        Contact.objects.filter(first_name="Laura").update(email="laura.keller@redhat.example")
        Contact.objects.filter(first_name="Beat").update(email="")
        export = manager_client.get(reverse("partners:contacts"), {"format": "csv"})
        data = b"".join(export.streaming_content)
        assert data.startswith("\ufeff".encode())
        before = _snapshot()
        preview, confirmed = _admin_import_bytes(admin_client_, data)
        assert confirmed is not None and confirmed.status_code == 302
        assert _snapshot() == before and Contact.objects.count() == 2
        reasons = _reasons(preview)
        assert [t for t, _ in reasons] == ["skip", "skip"]
        assert all("is already in PartnerHub with these values" in reason for _, reason in reasons)
        page = preview.content.decode()
        assert "found by its email laura.keller@redhat.example" in page
        assert "found by name at Ingram Micro (the row has no email)" in page

    def test_matches_by_email_and_updates_instead_of_duplicating(self, partners, admin_client_):
        laura = Contact.objects.get(first_name="Laura")
        laura.email = "Laura.Keller@redhat.example"
        laura.save()
        text = (
            "Partner;First name;Last name;Job title;Stakeholder role;Email;Phone;Primary;Active\r\n"
            "Red Hat;Laura;Keller;Channel director;Executive;laura.keller@REDHAT.example;+41 44 512 34 99;yes;yes\r\n"
            "red-hat;Marco;Rossi;;Sales;marco@redhat.example;;no;\r\n"
        )
        preview, confirmed = _admin_import_bytes(admin_client_, text.encode())
        assert confirmed is not None and confirmed.status_code == 302
        assert Contact.objects.filter(last_name="Keller").count() == 1
        laura.refresh_from_db()
        assert (
            laura.job_title == "Channel director" and laura.stakeholder_role == "executive" and laura.phone == "+41 44 512 34 99"
        )
        marco = Contact.objects.get(first_name="Marco")
        assert marco.partner.slug == "red-hat" and marco.stakeholder_role == "sales" and marco.is_active and not marco.is_primary
        assert _reasons(preview) == [
            ("update", "Updates Laura Keller, found by its email laura.keller@REDHAT.example."),
            ("new", "New: no contact matches Marco Rossi by email."),
        ]

    def test_the_same_email_twice_in_a_file_is_one_contact(self, partners, admin_client_):
        text = (
            "partner,first_name,last_name,stakeholder_role,email\r\n"
            "red-hat,Marco,Rossi,sales,marco@redhat.example\r\n"
            "red-hat,Marco,Rossi,technical,marco@redhat.example\r\n"
        )
        _, confirmed = _admin_import_bytes(admin_client_, text.encode())
        assert confirmed is not None and confirmed.status_code == 302
        assert Contact.objects.get(email="marco@redhat.example").stakeholder_role == "technical"

    def test_the_import_page_says_what_it_accepts(self, admin_client_):
        page = admin_client_.get(reverse("admin:partners_contact_import")).content.decode()
        assert 'data-testid="contact-import-help"' in page and "Windows-1252" in page

    def test_windows_1252_with_semicolons(self, partners, admin_client_):
        text = "Partner;First name;Last name;Stakeholder role;Email\r\nRed Hat;Jürg;Müller;Technical;juerg@redhat.example\r\n"
        preview, confirmed = _admin_import_bytes(admin_client_, text.encode("cp1252"))
        assert "encountered" not in preview.content.decode()
        assert confirmed is not None and confirmed.status_code == 302
        assert Contact.objects.filter(first_name="Jürg", last_name="Müller", partner__slug="red-hat").exists()

    def test_utf8_with_bom_and_commas_and_a_quoted_separator(self, partners, admin_client_):
        text = '\ufeffPartner,First name,Last name,Job title,Stakeholder role,Email\r\nRed Hat,Zoë,Léger,"Sales; DACH",Sales,zoe@redhat.example\r\n'
        _, confirmed = _admin_import_bytes(admin_client_, text.encode("utf-8"))
        assert confirmed is not None and confirmed.status_code == 302
        assert Contact.objects.get(email="zoe@redhat.example").job_title == "Sales; DACH"

    def test_bad_rows_and_files_are_explained_in_words(self, partners, admin_client_):
        text = (
            "Partner;First name;Last name;Stakeholder role;Email;Primary\r\n"
            "Red Hat;Ann;Other;Sales;ann@redhat.example;maybe\r\n"
            ";;;;;\r\n"
        )
        preview, confirmed = _admin_import_bytes(admin_client_, text.encode())
        assert confirmed is None
        page = preview.content.decode()
        assert "“maybe” is neither yes nor no." in page
        assert not Contact.objects.filter(first_name="Ann").exists()

        preview, confirmed = _admin_import_bytes(admin_client_, b"Name;Mail\r\nAnn;ann@example.com\r\n")
        assert confirmed is None
        assert "The file has no partner, first_name, last_name column" in preview.content.decode()

    def test_an_empty_row_is_skipped_with_its_reason(self, partners, admin_client_):
        text = "Partner;First name;Last name;Stakeholder role;Email\r\n;;;;\r\nRed Hat;Ann;Other;Sales;ann@redhat.example\r\n"
        preview, confirmed = _admin_import_bytes(admin_client_, text.encode())
        assert confirmed is not None and confirmed.status_code == 302
        assert ("skip", "Skipped: the row is empty.") in _reasons(preview)
        assert Contact.objects.filter(first_name="Ann").count() == 1

    def test_an_email_shared_by_contacts_of_other_partners_asks_for_the_id(self, partners, admin_client_):
        a, b = partners
        ContactFactory(partner=a, first_name="Info", last_name="Desk", email="info@example.com")
        ContactFactory(partner=b, first_name="Info", last_name="Desk", email="info@example.com")
        other = PartnerFactory(name="Third AG", slug="third")
        text = f"Partner;First name;Last name;Stakeholder role;Email\r\n{other.slug};Info;Desk;Sales;info@example.com\r\n"
        preview, confirmed = _admin_import_bytes(admin_client_, text.encode())
        assert confirmed is None
        assert "2 contacts match this row by its email info@example.com" in preview.content.decode()
        # At one of their partners: that partner's contact is updated.
        text = (
            f"Partner;First name;Last name;Stakeholder role;Email\r\n{b.slug};Info;Desk;Billing / accounting;info@example.com\r\n"
        )
        _, confirmed = _admin_import_bytes(admin_client_, text.encode())
        assert confirmed is not None
        assert Contact.objects.get(partner=b, email="info@example.com").stakeholder_role == "billing"
        assert Contact.objects.filter(email="info@example.com").count() == 2

"""Uploaded files: checked on the way in, served on the way out only to who may see them.

In: every upload form (contract documents, certificates, fund-claim proofs, the certification CSV
import) refuses files over the limit, with a wrong extension, or whose content is not what the
extension says (an .exe renamed to .pdf) — with a form error, nothing saved and nothing written to
MEDIA_ROOT. Out: every download view (the views calling `partnerhub.files.attachment_response`)
sends anonymous users to the login, refuses users without the right, and answers the others with
an attachment carrying `X-Content-Type-Options: nosniff`. There is no public /media/ URL.
"""

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone

from certifications.models import Holding
from funds.models import ProofDocument
from partners.models import Collateral, Contract

from ..certifications.factories import CertificationFactory, HoldingFactory
from ..factories import ContractFactory, PartnerFactory, UserFactory
from ..funds.factories import approved_claim

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00This program cannot be run in DOS mode."
LIMIT = 10 * 1024 * 1024


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


# --- the upload forms ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadForm:
    persona: str  # the client fixture of a role allowed to use the form
    field: str
    model: type
    build: object  # () -> (url, other POST data)
    error_context: str  # the form in the response context that shows the error


def _contract_form():
    partner = PartnerFactory()
    data = {
        "kind": "partner_agreement",
        "title": "Reseller agreement",
        "start_date": "2026-01-01",
        "end_date": "2027-12-31",
        "notice_period_days": "90",
        "notes": "",
    }
    return reverse("partners:contract-create", args=[partner.slug]), data


def _certificate_form():
    certification = CertificationFactory()
    data = {
        "certification": certification.pk,
        "obtained_on": (timezone.localdate() - timedelta(days=10)).isoformat(),
        "expires_on": "",
        "credential_id": "ABC-123",
        "verification_url": "https://verify.example/abc",
    }
    return reverse("certifications:holding-create"), data


def _proof_form():
    return reverse("funds:claim-proof-upload", args=[approved_claim().pk]), {"description": "Invoice of the venue"}


UPLOAD_FORMS = {
    "contract document": UploadForm("manager_client", "document", Contract, _contract_form, "form"),
    "certificate": UploadForm("outsider_client", "certificate", Holding, _certificate_form, "form"),
    "fund claim proof": UploadForm("marketing_client", "file", ProofDocument, _proof_form, "document_form"),
}

# (name, content, the error the user sees)
BAD_FILES = {
    "over 10 MB": ("big.pdf", PDF + b"0" * (LIMIT + 1 - len(PDF)), "at most 10 MB"),
    "an .exe": ("setup.exe", EXE, "not allowed"),
    "an .exe renamed to .pdf": ("invoice.pdf", EXE, "not a valid .pdf"),
    "an .exe renamed to .PDF": ("INVOICE.PDF", EXE, "not a valid .pdf"),
    "an .exe renamed to .png": ("photo.png", EXE, "not a valid .png"),
    "a PDF named .pdf.exe": ("invoice.pdf.exe", PDF, "not allowed"),
    "HTML with a script": ("page.html", b"<html><script>alert(1)</script></html>", "not allowed"),
    "HTML renamed to .pdf": ("page.pdf", b"<html><script>alert(1)</script></html>", "not a valid .pdf"),
    "SVG with a script": ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "not allowed"),
    "no extension": ("README", PDF, "not allowed"),
    "an empty file": ("empty.pdf", b"", "empty"),
}


def _post_upload(request, form_name: str, name: str, content: bytes):
    form = UPLOAD_FORMS[form_name]
    client = request.getfixturevalue(form.persona)
    url, data = form.build()
    before = form.model.objects.count()
    response = client.post(url, {**data, form.field: SimpleUploadedFile(name, content)})
    return form, response, before


@pytest.mark.parametrize("bad", sorted(BAD_FILES))
@pytest.mark.parametrize("form_name", sorted(UPLOAD_FORMS))
def test_bad_uploads_are_refused_and_nothing_is_saved(request, form_name, bad):
    name, content, message = BAD_FILES[bad]
    form, response, before = _post_upload(request, form_name, name, content)
    assert response.status_code == 200
    errors = response.context[form.error_context].errors
    assert message in str(errors.get(form.field)), errors
    assert form.model.objects.count() == before
    assert media_files() == []


@pytest.mark.parametrize(
    ("name", "content"), [("agreement.pdf", PDF), ("exactly-10-MB.pdf", PDF + b"0" * (LIMIT - len(PDF))), ("scan.png", PNG)]
)
@pytest.mark.parametrize("form_name", sorted(UPLOAD_FORMS))
def test_good_uploads_are_stored(request, form_name, name, content):
    form, response, before = _post_upload(request, form_name, name, content)
    assert response.status_code == 302, response.context and response.context[form.error_context].errors
    assert form.model.objects.count() == before + 1
    stored = getattr(form.model.objects.order_by("-pk").first(), form.field)
    assert stored.read() == content
    assert [path.name for path in media_files()] == [Path(stored.name).name]


def test_a_bad_replacement_keeps_the_old_contract_document(manager_client):
    contract = ContractFactory()
    contract.document.save("agreement.pdf", ContentFile(PDF))
    url = reverse("partners:contract-edit", args=[contract.partner.slug, contract.pk])
    data = {
        "kind": contract.kind,
        "title": contract.title,
        "start_date": contract.start_date.isoformat(),
        "end_date": contract.end_date.isoformat(),
        "notice_period_days": "90",
        "notes": "",
        "document": SimpleUploadedFile("agreement.pdf", EXE),
    }
    response = manager_client.post(url, data)
    assert response.status_code == 200 and "not a valid .pdf" in str(response.context["form"].errors["document"])
    contract.refresh_from_db()
    assert contract.document.read() == PDF


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("holdings.exe", b"holder,certification_code\n", "Upload a .csv file."),
        ("holdings.csv", EXE, "not UTF-8"),
        ("holdings.csv", b"holder,certification_code\n" + b"x" * (1024 * 1024), "larger than 1 MB"),
    ],
)
def test_the_certification_import_refuses_bad_files(manager_client, name, content, message):
    response = manager_client.post(reverse("certifications:import"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert message in str(response.context["form"].errors)
    assert not Holding.objects.exists() and media_files() == []


# --- the download views ----------------------------------------------------------------------------


def test_every_download_view_is_listed_here():
    """The views that serve files are the ones calling attachment_response; each has a test below."""
    callers = set()
    for app in ("partnerhub", "partners", "activities", "certifications", "funds", "reporting"):
        for path in (ROOT / app).rglob("*.py"):
            text = path.read_text()
            for match in re.finditer(r"^def (\w+)\(.*?(?=^def |\Z)", text, flags=re.M | re.S):
                if match.group(1) != "attachment_response" and "attachment_response(" in match.group(0):
                    callers.add(f"{app}.{match.group(1)}")
    assert callers == {
        "partners.contract_document",
        "partners.collateral_file",
        "certifications.holding_certificate",
        "funds.proof_download",
    }


def _contract_download():
    contract = ContractFactory()
    contract.document.save("agreement.pdf", ContentFile(PDF))
    return reverse("partners:contract-document", args=[contract.partner.slug, contract.pk]), "agreement"


def _collateral_download():
    collateral = Collateral(partner=PartnerFactory(), kind="fact_sheet", title="Fact sheet", made_by_vshn=True)
    collateral.file.save("fact-sheet.pdf", ContentFile(PDF))
    return reverse("partners:collateral-file", args=[collateral.partner.slug, collateral.pk]), "fact-sheet"


def _certificate_download():
    holding = HoldingFactory(holder=UserFactory(username="holder"))
    holding.certificate.save("certificate.pdf", ContentFile(PDF))
    return reverse("certifications:holding-certificate", args=[holding.pk]), "certificate"


def _proof_download():
    document = ProofDocument(claim=approved_claim(), description="venue invoice")
    document.file.save("proof.pdf", ContentFile(PDF))
    return reverse("funds:proof-download", args=[document.pk]), "proof"


SIGNED_IN = ["manager_client", "sales_client", "marketing_client", "accounting_client", "outsider_client", "admin_client_"]
DOWNLOADS = {
    # Everyone signed in may read contracts and claims (docs/design.md).
    "contract document": (_contract_download, set(SIGNED_IN)),
    # Everyone signed in may read the collateral library (partners.views.collateral_file).
    "collateral file": (_collateral_download, set(SIGNED_IN)),
    # Certificates are personal: the holder, partner managers and admins (the holder is checked below).
    "certificate": (_certificate_download, {"manager_client", "admin_client_"}),
    "fund claim proof": (_proof_download, set(SIGNED_IN)),
}


@pytest.mark.parametrize("persona", SIGNED_IN)
@pytest.mark.parametrize("download", sorted(DOWNLOADS))
def test_downloads_are_attachments_for_those_allowed_and_403_for_others(request, download, persona):
    build, allowed = DOWNLOADS[download]
    url, stem = build()
    response = request.getfixturevalue(persona).get(url)
    if persona not in allowed:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;") and stem in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.parametrize("download", sorted(DOWNLOADS))
def test_downloads_send_anonymous_users_to_the_login(client, download):
    url, _ = DOWNLOADS[download][0]()
    response = client.get(url)
    assert response.status_code == 302
    assert urlsplit(response.url).path == resolve_url(settings.LOGIN_URL)
    assert PDF not in response.content


def test_the_holder_downloads_their_own_certificate(client_for):
    holder = UserFactory(username="engineer")
    holding = HoldingFactory(holder=holder)
    holding.certificate.save("mine.png", ContentFile(PNG))
    response = client_for(holder).get(reverse("certifications:holding-certificate", args=[holding.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;") and response["X-Content-Type-Options"] == "nosniff"


def test_no_file_or_a_missing_file_is_404_not_500(manager_client):
    contract = ContractFactory()
    url = reverse("partners:contract-document", args=[contract.partner.slug, contract.pk])
    assert manager_client.get(url).status_code == 404  # no document uploaded
    contract.document.save("gone.pdf", ContentFile(PDF))
    Path(contract.document.path).unlink()
    assert manager_client.get(url).status_code == 404  # the file vanished from disk


def test_media_files_are_not_served_at_a_public_url(client, manager_client):
    url, _ = _contract_download()
    stored = Contract.objects.get().document
    public = "/" + settings.MEDIA_URL.strip("/") + "/" + stored.name
    for who in (client, manager_client):
        response = who.get(public)
        assert response.status_code in (302, 404)  # the sign-in wall or no route at all, never the file
        assert PDF not in response.content
    assert manager_client.get(public).status_code == 404  # signed in: there is no /media/ route
    assert manager_client.get(url).status_code == 200  # the view is the one way to the file

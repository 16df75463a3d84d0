from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from certifications.models import Holding

from ..factories import PartnerFactory, UserFactory
from .factories import CertificationFactory, HoldingFactory

pytestmark = pytest.mark.django_db
URL = "certifications:import"
HEADER = "holder,certification_code,partner,obtained_on,expires_on,credential_id,verification_url\n"


@pytest.fixture
def catalog():
    UserFactory(username="elena", email="elena@vshn.example")
    UserFactory(username="sam")
    partner = PartnerFactory(name="Red Hat")
    return CertificationFactory(partner=partner, code="EX280", validity_months=36)


def upload(client, text, **extra):
    data = {"file": SimpleUploadedFile("holdings.csv", text.encode()), "step": "preview"}
    data.update(extra)
    return client.post(reverse(URL), data)


def confirm(client, text, skip=False):
    data = {"csv_text": text, "step": "confirm"}
    if skip:
        data["skip_bad_rows"] = "on"
    return client.post(reverse(URL), data)


def test_dry_run_then_confirm(manager_client, catalog):
    text = (
        HEADER
        + "elena,EX280,,2024-03-01,,CRED-1,https://verify.example/1\nSAM@vshn.example,ex280,Red Hat,2024-05-01,2026-05-01,,\n"
    )
    response = upload(manager_client, text)
    assert response.status_code == 200
    preview = response.context["preview"]
    assert len(preview.good) == 2 and not preview.bad
    assert not Holding.objects.exists()  # a preview saves nothing
    response = confirm(manager_client, text)
    assert response.status_code == 302
    elena = Holding.objects.get(holder__username="elena")
    assert elena.expires_on.isoformat() == "2027-03-01"  # defaulted from the 36-month validity
    assert Holding.objects.get(holder__username="sam").expires_on.isoformat() == "2026-05-01"


def test_every_bad_row_gets_its_error_and_nothing_is_imported_without_skip(manager_client, catalog):
    today = timezone.localdate()
    HoldingFactory(
        holder=catalog.partner.manager,
        certification=catalog,
        obtained_on=today - timedelta(days=10),
        expires_on=today + timedelta(days=900),
    )
    lines = [
        "elena,EX280,,2024-03-01,,,",  # good
        "nobody,EX280,,2024-03-01,,,",  # unknown user
        "elena,NOPE-1,,2024-03-01,,,",  # unknown certification
        "sam,EX280,,2024-13-45,,,",  # bad date
        "sam,EX280,,2024-06-01,2024-01-01,,",  # expiry before obtained
        "elena,EX280,,2025-01-01,,,",  # overlaps line 2 of this file
        f"{catalog.partner.manager.username},EX280,,{today.isoformat()},,,",  # overlaps a stored holding
        "sam,EX280,,2024-06-01,,,javascript:alert(1)",  # bad URL
    ]
    text = HEADER + "\n".join(lines) + "\n"
    preview = upload(manager_client, text).context["preview"]
    errors = {row.line: " ".join(row.errors) for row in preview.rows}
    assert errors[2] == ""
    assert "Unknown person" in errors[3]
    assert "Unknown certification code" in errors[4]
    assert "not a date" in errors[5]
    assert "cannot be before" in errors[6]
    assert "Duplicate of line 2" in errors[7]
    assert "overlap" in errors[8]
    assert "verification URL" in errors[9]
    before = Holding.objects.count()

    response = confirm(manager_client, text)
    assert response.status_code == 200 and Holding.objects.count() == before
    assert "Nothing was imported" in response.content.decode()

    response = confirm(manager_client, text, skip=True)
    assert response.status_code == 302 and Holding.objects.count() == before + 1
    assert Holding.objects.filter(holder__username="elena").count() == 1


@pytest.mark.parametrize(
    "content,name,text",
    [
        ("holder,obtained_on\nelena,2024-01-01\n", "h.csv", "Missing column"),
        (HEADER, "h.csv", "no rows"),
    ],
)
def test_bad_files(manager_client, catalog, content, name, text):
    response = upload(manager_client, content)
    assert text in " ".join(response.context["preview"].file_errors)
    assert not Holding.objects.exists()


def test_not_a_csv_or_not_utf8_is_a_form_error(manager_client):
    response = manager_client.post(reverse(URL), {"file": SimpleUploadedFile("h.xlsx", b"PK\x03\x04"), "step": "preview"})
    assert response.status_code == 200 and "Upload a .csv file" in str(response.context["form"].errors)
    response = manager_client.post(reverse(URL), {"file": SimpleUploadedFile("h.csv", b"\xff\xfe\x00bad"), "step": "preview"})
    assert "not UTF-8" in str(response.context["form"].errors)


@pytest.mark.parametrize("persona", ["sales_client", "marketing_client", "accounting_client", "outsider_client"])
def test_only_partner_managers_and_admins_import(persona, request, catalog):
    client = request.getfixturevalue(persona)
    assert client.get(reverse(URL)).status_code == 403
    assert confirm(client, HEADER + "elena,EX280,,2024-03-01,,,\n").status_code == 403
    assert not Holding.objects.exists()


def test_admin_may_import(admin_client_, catalog):
    assert confirm(admin_client_, HEADER + "elena,EX280,,2024-03-01,,,\n").status_code == 302
    assert Holding.objects.count() == 1

"""Collateral and guideline library (issue 17, item 4)."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from partners.models import Collateral

from ..factories import PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% brand rules\n"


def upload(name="brand.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def make(partner, kind="brand_guideline", title="Brand rules", **kwargs) -> Collateral:
    item = Collateral(partner=partner, kind=kind, title=title, **kwargs)
    item.file.save(f"{kind}.pdf", ContentFile(PDF), save=False)
    item.save()
    return item


def test_marketing_uploads_and_the_guidelines_section_shows_the_current_rules(marketing_client, marketing):
    partner = PartnerFactory()
    url = reverse("partners:collateral-create", args=[partner.slug])
    response = marketing_client.post(
        url,
        {
            "kind": "brand_guideline",
            "title": "Brand book 2026",
            "version": "3",
            "language": "en",
            "file": upload(),
            "notes": "Logo never on red.",
        },
    )
    assert response.status_code == 302
    item = Collateral.objects.get()
    assert item.uploaded_by == marketing
    make(partner, title="Old brand book", valid_until=timezone.localdate() - timedelta(days=1))  # expired: not current
    section = marketing_client.get(reverse("partners:section", args=[partner.slug, "guidelines"]), HTTP_HX_REQUEST="true")
    html = section.content.decode()
    assert "Brand book 2026" in html and "Logo never on red." in html and "Old brand book" not in html
    file_response = marketing_client.get(reverse("partners:collateral-file", args=[partner.slug, item.pk]))
    assert file_response.status_code == 200 and "attachment" in file_response["Content-Disposition"]


def test_wrong_type_and_far_dates_are_refused_and_nothing_saved(sales_client):
    partner = PartnerFactory()
    url = reverse("partners:collateral-create", args=[partner.slug])
    response = sales_client.post(
        url,
        {
            "kind": "fact_sheet",
            "title": "Evil",
            "language": "en",
            "file": SimpleUploadedFile("evil.exe", b"MZ", content_type="application/octet-stream"),
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["file"]
    response = sales_client.post(
        url, {"kind": "fact_sheet", "title": "Far", "language": "en", "valid_until": "9999-12-31", "file": upload()}
    )
    assert response.context["form"].errors["valid_until"]
    assert not Collateral.objects.exists()


def test_roles(accounting_client, outsider_client, client, marketing_client, sales_client):
    partner = PartnerFactory()
    item = make(partner, kind="fact_sheet", title="Fact sheet", made_by_vshn=True)
    assert client.get(reverse("partners:collateral")).status_code == 302
    assert outsider_client.get(reverse("partners:collateral")).status_code == 200
    assert accounting_client.post(reverse("partners:collateral-create", args=[partner.slug]), {}).status_code == 403
    check = reverse("partners:collateral-brand-check", args=[partner.slug, item.pk])
    assert sales_client.post(check).status_code == 403
    assert marketing_client.post(check).status_code == 302
    item.refresh_from_db()
    assert item.brand_checked_by and item.brand_checked_at
    response = marketing_client.post(check, follow=True)
    assert "Already brand-checked" in response.content.decode()


def test_brand_check_only_for_vshn_made(marketing_client):
    item = make(PartnerFactory(), kind="fact_sheet", made_by_vshn=False)
    response = marketing_client.post(reverse("partners:collateral-brand-check", args=[item.partner.slug, item.pk]), follow=True)
    assert "Only VSHN-made collateral" in response.content.decode()
    item.refresh_from_db()
    assert item.brand_checked_at is None


def test_library_filters_search_and_csv(outsider_client):
    a, b = PartnerFactory(name="Alpha Vendor"), PartnerFactory(name="Beta Cloud")
    make(a, kind="pr_guideline", title="PR rules Alpha")
    make(b, kind="fact_sheet", title="Beta fact sheet")
    response = outsider_client.get(reverse("partners:collateral"), {"kind": "pr_guideline"})
    assert [c.title for c in response.context["page_obj"]] == ["PR rules Alpha"]
    response = outsider_client.get(reverse("partners:collateral"), {"q": "beta"})
    assert [c.title for c in response.context["page_obj"]] == ["Beta fact sheet"]
    csv = outsider_client.get(reverse("partners:collateral"), {"format": "csv"})
    assert "PR rules Alpha" in b"".join(csv.streaming_content).decode("utf-8-sig")


@pytest.mark.parametrize("rows", [1, 30])
def test_query_counts_are_flat(rows, manager_client, django_assert_num_queries):
    partner = PartnerFactory()
    uploader = UserFactory()
    for n in range(rows):
        make(partner, kind="fact_sheet" if n % 2 else "brand_guideline", title=f"Item {n}", uploaded_by=uploader)
    # session, user, count, page (partner, uploader, checker joined), partner filter options
    with django_assert_num_queries(5):
        assert manager_client.get(reverse("partners:collateral")).status_code == 200
    # session, user, partner; guidelines, other collateral
    with django_assert_num_queries(5):
        response = manager_client.get(reverse("partners:section", args=[partner.slug, "guidelines"]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200

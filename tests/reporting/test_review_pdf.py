"""The quarterly review as a PDF (issue 18, item 2): a real PDF of the print page, for whoever reads the
review; Swiss formats; only PartnerHub's static files are read while rendering; flat query count."""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from pypdf import PdfReader

from reporting import services
from reporting.review_pdf import BASE_URL, static_file

from ..activities.factories import OpportunityFactory
from ..factories import PartnerFactory, UserFactory
from .test_reviews import IN_Q, QUARTER, make_review

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


class TestReviewPdf:
    def test_a_real_pdf_of_the_print_page_with_swiss_formats(self, manager_client, manager):
        partner = PartnerFactory(name="Red Hat", slug="red-hat")
        OpportunityFactory(partner=partner, stage="won", won_on=IN_Q, value=Decimal("480000"), currency="CHF")
        review = make_review(partner, held_on=date(2026, 7, 8), our_score=8)
        services.review_add_action_item(
            review=review, title="Send the lead list", owner=manager, due_on=date(2026, 7, 20), by=manager
        )
        response = manager_client.get(reverse("reporting:review-pdf", args=[review.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="review-red-hat-{QUARTER}.pdf"'
        assert response.content.startswith(b"%PDF-")
        pages, text = pdf_text(response.content)
        assert pages >= 1
        assert f"Quarterly business review: Red Hat · {QUARTER}" in text
        assert "CHF 480'000.00" in text and "08.07.2026" in text and "20.07.2026" in text
        assert "Send the lead list" in text and "Exported from PartnerHub" in text
        assert "Print" not in text.split("\n")[0]  # no buttons in the export

    def test_an_empty_quarter_says_no_data(self, outsider_client):
        review = make_review()
        _, text = pdf_text(outsider_client.get(reverse("reporting:review-pdf", args=[review.pk])).content)
        assert "no data" in text and "0 %" not in text

    def test_the_page_links_to_it(self, sales_client):
        review = make_review()
        url = reverse("reporting:review-pdf", args=[review.pk])
        assert f'href="{url}"' in sales_client.get(review.get_absolute_url()).content.decode()
        assert f'href="{url}"' in sales_client.get(reverse("reporting:review-print", args=[review.pk])).content.decode()

    def test_roles_and_methods(self, sales_client, accounting_client, outsider_client, client, manager_client):
        review = make_review()
        url = reverse("reporting:review-pdf", args=[review.pk])
        for persona in (sales_client, accounting_client, outsider_client):  # everyone signed in reads reviews
            assert persona.get(url).status_code == 200
        assert client.get(url).status_code == 302  # anonymous: to the sign-in page
        assert manager_client.post(url).status_code == 405  # GET only
        assert manager_client.get(reverse("reporting:review-pdf", args=[review.pk + 1])).status_code == 404

    @pytest.mark.parametrize("n", [1, 50])
    def test_query_count_is_flat(self, n, manager_client, django_assert_num_queries):
        review = make_review()
        owner = UserFactory()
        for index in range(n):
            services.review_add_action_item(
                review=review, title=f"Item {index}", owner=owner, due_on=date(2026, 7, 20) + timedelta(days=index), by=owner
            )
        # session, user, review (partner and QBR activity joined), VSHN attendees, partner attendees,
        # action items (follow-ups and owners joined)
        with django_assert_num_queries(6):
            response = manager_client.get(reverse("reporting:review-pdf", args=[review.pk]))
        assert response.status_code == 200
        pages, text = pdf_text(response.content)
        assert "Item 0" in text and f"Item {n - 1}" in text and pages >= 1


class TestOnlyStaticFilesAreRead:
    @pytest.mark.parametrize(
        "url",
        [
            "https://example.com/static/css/review_print.css",  # another host
            "file:///etc/passwd",
            BASE_URL + "media/contracts/secret.pdf",  # uploads are served only through their views
            BASE_URL + "static/../partnerhub/settings.py",
            BASE_URL + "static/%2e%2e/partnerhub/settings.py",
            BASE_URL + "static/",
            BASE_URL + "static/css/no-such-file.css",
        ],
    )
    def test_anything_else_is_refused(self, url):
        assert static_file(url) is None

    def test_the_print_stylesheet_is_read_from_disk(self):
        found = static_file(BASE_URL + "static/css/review_print.css")
        assert found is not None and found.read_text().startswith("/* The QBR print page")

    def test_production_reads_the_collected_hashed_name(self, settings, tmp_path):
        # collectstatic with the manifest storage: {% static %} gives css/review_pdf.<hash>.css
        (tmp_path / "css").mkdir()
        (tmp_path / "css" / "review_pdf.0123abcd.css").write_text("html { color: black; }")
        settings.STATIC_ROOT = tmp_path
        found = static_file(BASE_URL + "static/css/review_pdf.0123abcd.css")
        assert found == tmp_path / "css" / "review_pdf.0123abcd.css"
        assert static_file(BASE_URL + "static/css/other.0123abcd.css") is None

    def test_a_link_in_a_note_is_not_fetched(self, manager_client, monkeypatch):
        fetched: list[str] = []
        import reporting.review_pdf as module

        real = module.static_file

        def spy(url):
            fetched.append(url)
            return real(url)

        monkeypatch.setattr(module, "static_file", spy)
        review = make_review(went_well='<img src="http://169.254.169.254/latest/meta-data">')
        response = manager_client.get(reverse("reporting:review-pdf", args=[review.pk]))
        assert response.status_code == 200
        assert not any("169.254" in url for url in fetched)  # escaped text, never an image to fetch
        assert any(url.endswith(".css") for url in fetched)


def test_without_pango_the_print_page_is_offered_not_a_500(manager_client, monkeypatch):
    import reporting.review_pdf as module

    def no_pango():
        raise module.PdfUnavailable("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(module, "_weasyprint", no_pango)
    review = make_review()
    response = manager_client.get(reverse("reporting:review-pdf", args=[review.pk]), follow=True)
    assert response.redirect_chain == [(reverse("reporting:review-print", args=[review.pk]), 302)]
    assert "The PDF export is not available on this server" in response.content.decode()

"""Collateral and guideline library (issue 17, item 4)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
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
    assert 'data-testid="collateral-expired"' not in html  # the current one is valid; the expired one is not shown
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
    # session, user, count, page (partner, campaign, uploader, checker joined), partner and campaign filter options
    with django_assert_num_queries(6):
        assert manager_client.get(reverse("partners:collateral")).status_code == 200
    # session, user, partner; guidelines, other collateral
    with django_assert_num_queries(5):
        response = manager_client.get(reverse("partners:section", args=[partner.slug, "guidelines"]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200


# --- Per campaign (issue 17, item 4: "optionally per campaign") ------------------------------------------


class TestCampaigns:
    def post(self, client, partner, **data):
        data = {"kind": "slide_deck", "title": "Webinar deck", "language": "en", "file": upload(), **data}
        return client.post(reverse("partners:collateral-create", args=[partner.slug]), data)

    def test_collateral_for_the_partners_campaign_is_listed_on_the_campaign_and_filtered_in_the_library(
        self, marketing_client, sales_client
    ):
        from ..activities.factories import CampaignFactory

        partner = PartnerFactory(name="Alpha Vendor")
        webinar = CampaignFactory(title="Alpha webinar", partners=[partner])
        other = CampaignFactory(title="Someone else's roadshow", partners=[PartnerFactory()])
        form = marketing_client.get(reverse("partners:collateral-create", args=[partner.slug])).context["form"]
        assert list(form.fields["campaign"].queryset) == [webinar]  # only the partner's own campaigns are offered
        assert self.post(marketing_client, partner, campaign=webinar.pk).status_code == 302
        make(partner, kind="fact_sheet", title="Unrelated fact sheet")
        item = Collateral.objects.get(title="Webinar deck")
        assert item.campaign == webinar
        # The read-only campaign page (sales) and the editors' page (marketing) list it.
        for client in (sales_client, marketing_client):
            html = client.get(reverse("activities:campaign-edit", args=[webinar.pk])).content.decode()
            assert "Webinar deck" in html and "Unrelated fact sheet" not in html
            assert f"{reverse('partners:collateral')}?campaign={webinar.pk}" in html
        other_page = sales_client.get(reverse("activities:campaign-edit", args=[other.pk])).content.decode()
        assert "Webinar deck" not in other_page and "None yet" in other_page
        library = sales_client.get(reverse("partners:collateral"), {"campaign": webinar.pk})
        assert [c.title for c in library.context["page_obj"]] == ["Webinar deck"]
        assert "Alpha webinar" in library.content.decode()
        csv = sales_client.get(reverse("partners:collateral"), {"campaign": webinar.pk, "format": "csv"})
        assert "Alpha webinar" in b"".join(csv.streaming_content).decode("utf-8-sig")

    def test_a_campaign_of_another_partner_is_refused_with_a_clear_message_and_nothing_saved(self, marketing_client, marketing):
        from partners import services

        from ..activities.factories import CampaignFactory

        partner = PartnerFactory(name="Alpha Vendor")
        foreign = CampaignFactory(title="Beta roadshow", partners=[PartnerFactory(name="Beta Cloud")])
        response = self.post(marketing_client, partner, campaign=foreign.pk)
        assert response.status_code == 200
        assert response.context["form"].errors["campaign"] == [
            "Choose one of Alpha Vendor's campaigns (or none): that campaign is not one of theirs."
        ]
        assert not Collateral.objects.exists()
        # The service refuses it too (a caller that skips the form), before anything is written.
        item = Collateral(partner=partner, kind="fact_sheet", title="Sneaky", campaign=foreign)
        item.file.save("x.pdf", ContentFile(PDF), save=False)
        with pytest.raises(ValidationError, match="not one of theirs"):
            services.collateral_create(collateral=item, by=marketing)
        assert not Collateral.objects.exists()

    def test_a_partner_leaving_the_campaign_takes_its_collateral_out_of_it(self, manager):
        from activities import services as activity_services

        from ..activities.factories import CampaignFactory

        alpha, beta = PartnerFactory(), PartnerFactory()
        campaign = CampaignFactory(partners=[alpha, beta])
        alpha_deck = make(alpha, kind="slide_deck", title="Alpha deck", campaign=campaign)
        beta_deck = make(beta, kind="slide_deck", title="Beta deck", campaign=campaign)
        activity_services.campaign_save(campaign=campaign, partners=[beta])  # the campaign form's write
        alpha_deck.refresh_from_db()
        beta_deck.refresh_from_db()
        assert alpha_deck.campaign is None and beta_deck.campaign == campaign
        assert alpha_deck.history.first().campaign_id is None  # the unlinking is in the audit history
        beta.campaigns.clear()  # from the partner's side too
        beta_deck.refresh_from_db()
        assert beta_deck.campaign is None
        campaign.delete()  # deleting a campaign keeps the partner's files
        assert Collateral.objects.count() == 2

    @pytest.mark.parametrize("rows", [1, 20])
    def test_campaign_page_query_count_is_flat(self, rows, sales_client, django_assert_num_queries):
        from ..activities.factories import CampaignFactory

        partners = [PartnerFactory() for _ in range(3)]
        campaign = CampaignFactory(partners=partners)
        checker = UserFactory()
        for n in range(rows):
            make(
                partners[n % 3],
                kind="slide_deck",
                title=f"Deck {n}",
                campaign=campaign,
                made_by_vshn=True,
                brand_checked_by=checker,
                brand_checked_at=timezone.now(),
            )
        # session, user, campaign (+owner, brand checker), its partners, its collateral (partners, checker joined)
        with django_assert_num_queries(5):
            response = sales_client.get(reverse("activities:campaign-edit", args=[campaign.pk]))
        assert response.content.decode().count('data-testid="campaign-collateral-item"') == rows


# --- Bad input: wrong type, too big (issue 17, "Bad input") ----------------------------------------------


def test_a_file_over_the_size_limit_is_refused_with_the_limit_and_nothing_saved(marketing_client, settings):
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    partner = PartnerFactory()
    big = SimpleUploadedFile("deck.pdf", PDF + b"0" * (1024 * 1024 + 1), content_type="application/pdf")
    response = marketing_client.post(
        reverse("partners:collateral-create", args=[partner.slug]),
        {"kind": "slide_deck", "title": "Huge deck", "language": "en", "file": big},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["The file is 1.0 MB; at most 1 MB is allowed."]
    assert not Collateral.objects.exists()


def test_a_pdf_name_on_a_file_that_is_no_pdf_is_refused(marketing_client):
    partner = PartnerFactory()
    response = marketing_client.post(
        reverse("partners:collateral-create", args=[partner.slug]),
        {"kind": "logo_pack", "title": "Logos", "language": "en", "file": SimpleUploadedFile("logos.pdf", b"MZ\x90\x00")},
    )
    assert response.status_code == 200 and response.context["form"].errors["file"]
    assert not Collateral.objects.exists()


# --- Expiry (issue 17: "valid until"; reminders 30 days before and on the day) ---------------------------


class TestExpiry:
    def run(self) -> dict[str, str]:
        from io import StringIO

        from django.core.management import call_command

        out = StringIO()
        call_command("run_reminders", stdout=out)
        return dict(line.split(": ", 1) for line in out.getvalue().strip().splitlines())

    def test_reminded_30_days_before_and_on_the_day_to_the_manager_and_the_uploader(self, manager, marketing, mailoutbox):
        from partnerhub.models import Notification

        partner = PartnerFactory(name="Alpha Vendor", manager=manager)
        today = timezone.localdate()
        make(partner, kind="price_list", title="Price list 2026", valid_until=today + timedelta(days=25), uploaded_by=marketing)
        make(partner, kind="fact_sheet", title="Far away", valid_until=today + timedelta(days=31), uploaded_by=marketing)
        assert self.run()["collateral_expiring"] == "1 sent"
        assert self.run()["collateral_expiring"] == "0 sent"
        titles = set(Notification.objects.filter(kind="collateral_expiring").values_list("recipient__username", "title"))
        expected = f"Alpha Vendor: Price list “Price list 2026” expires in 25 days ({(today + timedelta(days=25)):%d.%m.%Y})"
        assert titles == {(manager.username, expected), (marketing.username, expected)}
        assert any("collateral_expiring" in m.extra_headers.get("X-PartnerHub-Kind", "") for m in mailoutbox)

    def test_on_the_day_and_caught_up_after_a_missed_day_but_not_forever(self, manager):
        from partnerhub.models import Notification

        partner = PartnerFactory(manager=manager)
        today = timezone.localdate()
        make(partner, kind="price_list", title="Expired yesterday", valid_until=today - timedelta(days=1))
        make(partner, kind="logo_pack", title="Long expired", valid_until=today - timedelta(days=30))
        assert self.run()["collateral_expiring"] == "1 sent"
        notification = Notification.objects.get(kind="collateral_expiring", recipient=manager)
        assert "“Expired yesterday” expired on" in notification.title

    def test_an_item_replaced_by_a_newer_version_is_not_reminded(self, manager):
        partner = PartnerFactory(manager=manager)
        today = timezone.localdate()
        make(partner, kind="brand_guideline", title="Brand book 2025", valid_until=today + timedelta(days=10))
        make(partner, kind="brand_guideline", title="Brand book 2026", valid_until=today + timedelta(days=400))
        make(partner, kind="brand_guideline", title="German brand book", language="de", valid_until=today + timedelta(days=10))
        assert self.run()["collateral_expiring"] == "1 sent"  # only the German one: nothing replaces it

    def test_expired_items_are_shown_as_expired(self, sales_client):
        partner = PartnerFactory()
        today = timezone.localdate()
        make(partner, kind="brand_guideline", title="Old brand book", valid_until=today - timedelta(days=1))
        make(partner, kind="fact_sheet", title="Current fact sheet", valid_until=today)
        section = sales_client.get(reverse("partners:section", args=[partner.slug, "guidelines"]), HTTP_HX_REQUEST="true")
        html = section.content.decode()
        # No valid brand guideline: the newest one is shown, marked expired, rather than "None on file".
        brand = html.split('data-testid="brand-guideline"')[1].split("</dd>")[0]
        assert "Old brand book" in brand and 'data-testid="collateral-expired"' in brand
        assert html.count('data-testid="collateral-expired"') == 1  # valid until today is still valid
        library = sales_client.get(reverse("partners:collateral")).content.decode()
        row = next(r for r in library.split('data-testid="collateral-row"')[1:] if "Old brand book" in r)
        assert 'data-testid="collateral-expired"' in row
        expired = sales_client.get(reverse("partners:collateral"), {"expired": "true"})
        assert [c.title for c in expired.context["page_obj"]] == ["Old brand book"]
        current = sales_client.get(reverse("partners:collateral"), {"expired": "false"})
        assert [c.title for c in current.context["page_obj"]] == ["Current fact sheet"]

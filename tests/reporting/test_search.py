"""Search that finds things: accent- and case-insensitive, contacts by partner name, one search across
every kind, health sorted worst first. Runs on SQLite and PostgreSQL alike (partnerhub/search.py)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from partnerhub.search import normalize, unaccent
from partners.models import Partner

from ..activities.factories import ActivityFactory, CampaignFactory, DealRegistrationFactory, OpportunityFactory
from ..factories import ContactFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def test_normalize():
    assert normalize("  Léman ") == "LEMAN" and unaccent("Zürcher Straße") == "Zurcher Strasse"


@pytest.mark.parametrize("term", ["Leman", "leman", "LÉMAN", "léman cloud"])
def test_partner_list_ignores_accents_and_case(term, manager_client):
    PartnerFactory(name="Léman Cloud Partners SA")
    PartnerFactory(name="Other AG")
    names = [p.name for p in manager_client.get(reverse("partners:list"), {"q": term}).context["page_obj"]]
    assert names == ["Léman Cloud Partners SA"]


def test_stored_text_without_accents_is_found_by_a_term_with_them(manager_client):
    PartnerFactory(name="Zurcher Kantonalbank")
    names = [p.name for p in manager_client.get(reverse("partners:list"), {"q": "Zürcher"}).context["page_obj"]]
    assert names == ["Zurcher Kantonalbank"]


def test_contact_search_includes_partner_names(manager_client):
    partner = PartnerFactory(name="Léman Cloud Partners SA")
    ContactFactory(partner=partner, first_name="Anna", last_name="Muster")
    ContactFactory(partner=PartnerFactory(name="Elsewhere AG"), first_name="Zoë", last_name="Zürcher")
    response = manager_client.get(reverse("partners:contacts"), {"q": "leman"})
    assert [c.last_name for c in response.context["page_obj"]] == ["Muster"]
    response = manager_client.get(reverse("partners:contacts"), {"q": "zoe zurcher"[:3]})
    assert [c.last_name for c in response.context["page_obj"]] == ["Zürcher"]


def test_activity_feed_search_ignores_accents(manager_client):
    ActivityFactory(subject="Réunion à Genève")
    response = manager_client.get(reverse("activities:feed"), {"q": "geneve"})
    assert "Réunion à Genève" in response.content.decode()


def test_health_sort_puts_worst_first(manager_client):
    for name, health in [("A good", "good"), ("B watch", "watch"), ("C risk", "at_risk"), ("D unknown", "unknown")]:
        Partner.objects.filter(pk=PartnerFactory(name=name).pk).update(health=health)
    names = [p.name for p in manager_client.get(reverse("partners:list"), {"sort": "health"}).context["page_obj"]]
    assert names == ["C risk", "B watch", "A good", "D unknown"]


class TestGlobalSearch:
    def test_every_kind_grouped_accents_ignored(self, sales_client):
        partner = PartnerFactory(name="Léman Cloud Partners SA")
        ContactFactory(partner=partner, first_name="Anna", last_name="Muster")
        OpportunityFactory(partner=partner, title="Platform", value=Decimal("480000.00"), currency="CHF")
        DealRegistrationFactory(partner=partner, customer="Banque Cantonale")
        CampaignFactory(title="Roadshow Léman")
        ActivityFactory(partner=partner, subject="Kick-off")
        response = sales_client.get(reverse("reporting:search"), {"q": "leman"})
        kinds = {g.kind: g for g in response.context["groups"]}
        assert set(kinds) == {"Partners", "Contacts", "Opportunities", "Deal registrations", "Campaigns", "Activities"}
        assert kinds["Contacts"].hits[0].title == "Anna Muster"
        assert "CHF 480'000.00" in kinds["Opportunities"].hits[0].detail
        html = response.content.decode()
        assert "Roadshow Léman" in html and "Kick-off" in html

    def test_links_are_ones_the_role_may_follow(self, accounting_client):
        partner = PartnerFactory(name="Léman Cloud Partners SA")
        OpportunityFactory(partner=partner, title="Platform")
        CampaignFactory(title="Roadshow Léman")
        response = accounting_client.get(reverse("reporting:search"), {"q": "leman"})
        for group in response.context["groups"]:
            for hit in group.hits:
                assert accounting_client.get(hit.url).status_code == 200, (group.kind, hit.url)

    def test_empty_and_nothing_found(self, manager_client):
        assert manager_client.get(reverse("reporting:search")).context["groups"] == []
        assert 'data-testid="search-empty"' in manager_client.get(reverse("reporting:search"), {"q": "zzzz"}).content.decode()

    @pytest.mark.parametrize("rows", [1, 20])
    def test_query_count_pinned_and_flat(self, rows, manager_client, django_assert_num_queries):
        for i in range(rows):
            partner = PartnerFactory(name=f"Léman {i}")
            ContactFactory(partner=partner)
            OpportunityFactory(partner=partner)
            ActivityFactory(partner=partner)
        with django_assert_num_queries(8):  # session, user, one per kind (6)
            assert manager_client.get(reverse("reporting:search"), {"q": "leman"}).status_code == 200


def test_health_sort_with_a_distinct_filter_and_the_health_page(manager_client):
    """PostgreSQL refuses ORDER BY an expression missing from a SELECT DISTINCT: the rank is annotated."""
    for name, health in [("A good", "good"), ("C risk", "at_risk"), ("B watch", "watch")]:
        Partner.objects.filter(pk=PartnerFactory(name=name).pk).update(health=health)
    partner_type = Partner.objects.get(name="A good").types.model.objects.create(name="CSP")
    for partner in Partner.objects.all():
        partner.types.add(partner_type)
    page = manager_client.get(reverse("partners:list"), {"sort": "health", "type": partner_type.pk}).context["page_obj"]
    assert [p.name for p in page] == ["C risk", "B watch", "A good"]
    health = manager_client.get(reverse("reporting:health"), {"health": ["at_risk", "watch"]})
    assert health.status_code == 200 and health.content.decode().index("C risk") < health.content.decode().index("B watch")

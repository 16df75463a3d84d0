import pytest
from django.urls import reverse

from partners.models import Partner

from ..factories import PartnerFactory
from .test_pages import partner_post

pytestmark = pytest.mark.django_db


def test_history_shows_who_changed_what_with_old_and_new_values(manager_client):
    manager_client.post(reverse("partners:create"), partner_post(name="History AG", program_level="Silver"))
    partner = Partner.objects.get(name="History AG")
    manager_client.post(reverse("partners:edit", args=[partner.slug]), partner_post(name="History AG", program_level="Gold"))
    history = partner.history.order_by("history_date")
    assert [h.history_type for h in history] == ["+", "~"]
    assert history.last().history_user.username == "manager"
    page = manager_client.get(
        reverse("partners:section", args=[partner.slug, "history"]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'data-testid="history"' in page
    assert "program level held" in page and "Silver" in page and "Gold" in page


def test_archiving_is_recorded_not_deleted(manager_client):
    partner = PartnerFactory()
    manager_client.post(reverse("partners:archive", args=[partner.slug]), {"archived": "1"})
    assert Partner.objects.filter(pk=partner.pk, archived=True).exists()
    assert partner.history.filter(archived=True).exists()

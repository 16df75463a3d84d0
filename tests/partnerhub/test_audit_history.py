"""Audit history on the audited models of every app: who changed what, when, old and new values."""

import pytest
from django.urls import reverse

from partnerhub.history import AUDITED_MODELS

from ..activities.factories import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("label", sorted(AUDITED_MODELS))
def test_every_audited_model_records_history(label):
    from django.apps import apps

    model = apps.get_model(label)
    assert hasattr(model, "history"), f"{label} needs HistoricalRecords()"


def test_history_fragment_shows_changes_with_old_and_new_values(manager, manager_client):
    campaign = CampaignFactory(title="Roadshow 2027")
    campaign.title = "Roadshow spring 2027"
    campaign._history_user = manager
    campaign.save()
    url = reverse("history", args=["activities", "campaign", campaign.pk])
    html = manager_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Roadshow 2027" in html and "Roadshow spring 2027" in html and "manager" in html
    assert "<html" not in html
    assert manager_client.get(url).status_code == 200  # a full page without htmx


def test_history_only_for_audited_models(manager_client):
    assert manager_client.get(reverse("history", args=["auth", "user", 1])).status_code == 404


@pytest.mark.parametrize("rows", [1, 50])
def test_history_fragment_query_count_is_flat(rows, manager, manager_client, django_assert_num_queries):
    campaign = CampaignFactory()
    for i in range(rows):
        campaign.leads = i
        campaign.save()
    with django_assert_num_queries(3):  # session, user, history rows (with users)
        assert manager_client.get(reverse("history", args=["activities", "campaign", campaign.pk])).status_code == 200


def test_claim_history_includes_its_invoice(manager_client):
    from funds.models import FundClaim

    from ..funds.factories import InvoiceFactory

    invoice = InvoiceFactory()
    html = manager_client.get(
        reverse("history", args=["funds", "fundclaim", invoice.claim_id]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Invoice" in html and FundClaim.history.filter(id=invoice.claim_id).exists()

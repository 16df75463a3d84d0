"""The suite's N+1 detection (tests/conftest.py) is live: a view or sweep with an N+1 fails."""

from datetime import date

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path
from zeal import NPlusOneError

from partnerhub import reminders
from partners.models import Contact
from tests.factories import ContactFactory


def contacts_with_partner_names(request):
    # The N+1 on purpose: no select_related("partner").
    return HttpResponse(", ".join(contact.partner.name for contact in Contact.objects.all()))


urlpatterns = [path("n-plus-one/", contacts_with_partner_names)]


@override_settings(ROOT_URLCONF=__name__)
def test_an_n_plus_one_in_a_view_fails_the_test(manager_client):
    ContactFactory.create_batch(2)
    with pytest.raises(NPlusOneError, match=r"partners\.Contact\.partner"):
        manager_client.get("/n-plus-one/")


def test_an_n_plus_one_in_a_sweep_fails_the_test(db, monkeypatch):
    ContactFactory.create_batch(2)
    monkeypatch.setitem(reminders.HOUSEKEEPING, "n_plus_one", lambda today: len({c.partner.name for c in Contact.objects.all()}))
    with pytest.raises(NPlusOneError, match=r"partners\.Contact\.partner"):
        reminders.run_housekeeping("n_plus_one", date(2026, 1, 5))


def test_the_same_code_with_select_related_passes(db, monkeypatch):
    ContactFactory.create_batch(2)
    monkeypatch.setitem(
        reminders.HOUSEKEEPING, "fine", lambda today: len({c.partner.name for c in Contact.objects.select_related("partner")})
    )
    assert reminders.run_housekeeping("fine", date(2026, 1, 5)) == 2

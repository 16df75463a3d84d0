from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from funds.models import FundAllocation, FundClaim, Invoice
from partnerhub import reminders

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())


def test_demo_covers_every_state_currency_and_reminder(demo, mailoutbox):
    assert set(FundClaim.objects.values_list("status", flat=True)) == set(FundClaim.Status.values)
    assert set(FundAllocation.objects.values_list("currency", flat=True)) == {"CHF", "EUR", "USD"}
    assert Invoice.objects.filter(paid_on__isnull=True, due_on__lt=timezone.localdate()).exists()
    counts = (FundAllocation.objects.count(), FundClaim.objects.count(), Invoice.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (FundAllocation.objects.count(), FundClaim.objects.count(), Invoice.objects.count()) == counts
    assert reminders.run_reminder("fund_claim_deadline") >= 1
    assert reminders.run_reminder("invoice_overdue") >= 1
    assert reminders.run_reminder("fund_claim_deadline") == 0
    assert reminders.run_reminder("invoice_overdue") == 0


def test_every_funds_page_renders_on_demo_data(demo, client):
    from django.contrib.auth.models import User

    claims = list(FundClaim.objects.all())
    urls = [reverse("funds:allocations"), reverse("funds:claims"), reverse("funds:invoices"), reverse("funds:accounting")]
    urls += [a.get_absolute_url() for a in FundAllocation.objects.all()]
    urls += [c.get_absolute_url() for c in claims]
    urls += [reverse("funds:allocation-create"), reverse("funds:claim-create")]
    urls += [c.allocation.partner.get_absolute_url() for c in claims]
    for username in ["manager", "marketing", "accounting", "sales", "admin"]:
        client.force_login(User.objects.get(username=username))
        for url in urls:
            response = client.get(url)
            expected = 403 if url.endswith("/new/") and username in ("accounting", "sales") else 200
            assert response.status_code == expected, (username, url)

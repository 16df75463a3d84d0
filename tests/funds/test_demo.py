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


def test_issue_18_done_when_red_hats_two_reviews_and_a_commission_owed_and_one_paid(demo, client):
    """Issue 18's "done when": two quarters of reviews for Red Hat; one partner with a commission
    owed and one paid, the paid one's way owed -> invoiced -> paid in its history (by accounting)."""
    from django.contrib.auth.models import User

    from funds.models import Commission
    from reporting.models import QuarterlyReview

    reviews = QuarterlyReview.objects.filter(partner__name="Red Hat").order_by("quarter")
    assert reviews.count() == 2 and all(review.scorecard.get("rows") for review in reviews)
    assert all(review.action_items.exists() for review in reviews)
    commissions = Commission.objects.select_related("partner").order_by("status")
    assert [(c.partner.name, c.status) for c in commissions] == [
        ("Alpine IT Consulting AG", "owed"),
        ("Alpine IT Consulting AG", "paid"),
    ]
    paid = commissions.get(status="paid")
    way = list(paid.history.order_by("history_date").values_list("status", "history_user__username"))
    assert way == [("owed", "sales"), ("invoiced", "accounting"), ("paid", "accounting")]
    call_command("seed_demo", stdout=StringIO())  # idempotent
    assert Commission.objects.count() == 2 and paid.history.count() == 3
    client.force_login(User.objects.get(username="accounting"))
    html = client.get(reverse("funds:commission-history")).content.decode()
    assert "AIT-2026-117" in html and "Invoiced by the partner \u2192 Paid" in html

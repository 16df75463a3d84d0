import pytest
from django.urls import reverse

from reporting.models import ReportingAgreement

from ..factories import PartnerFactory

pytestmark = pytest.mark.django_db


def test_growth_alert_above_the_limit_is_a_form_error_not_a_500(accounting_client):
    """The constraint's message once held a bare "%", which Django's %-formatting turned into a 500."""
    partner = PartnerFactory()
    data = {
        "reporting_required": "on",
        "due_day": "10",
        "channel": "email",
        "recipient": "r@example.com",
        "accounting_threshold": "1000",
        "currency": "CHF",
        "growth_alert_percent": "5000",
        "notes": "",
    }
    response = accounting_client.post(reverse("reporting:agreement-edit", args=[partner.slug]), data)
    assert response.status_code == 200
    assert "1000 percent" in str(response.context["form"].errors)
    assert not ReportingAgreement.objects.exists()

import pytest
from django.urls import reverse

from funds.models import FundClaim

from .factories import FundAllocationFactory

pytestmark = pytest.mark.django_db


def test_activity_end_at_the_end_of_the_calendar_is_a_form_error_not_a_500(marketing_client):
    """Found by the hostile-input test: 9999-12-31 plus the claim window overflowed the date type."""
    allocation = FundAllocationFactory()
    data = {
        "allocation": allocation.pk,
        "title": "Far future",
        "activity_start": "9999-12-30",
        "activity_end": "9999-12-31",
        "requested_amount": "100.00",
        "currency": allocation.currency,
        "tool_reference": "",
    }
    response = marketing_client.post(reverse("funds:claim-create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["activity_end"] == ["Enter a date between 1 Jan 1990 and 31 Dec 2100."]
    assert not FundClaim.objects.exists()

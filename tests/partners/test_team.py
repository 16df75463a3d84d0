"""The partner team in the app (issue 17, item 3): partner managers add and remove members with their role."""

import pytest
from django.urls import reverse

from partnerhub.models import Notification
from partners.models import PartnerTeamMember

from ..factories import PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_manager_adds_and_removes_members_with_history(manager_client, manager, sales):
    partner = PartnerFactory(manager=manager)
    url = reverse("partners:team", args=[partner.slug])
    response = manager_client.post(url, {"user": sales.pk, "role": "sales"})
    assert response.status_code == 302
    member = PartnerTeamMember.objects.get(partner=partner)
    assert (member.user, member.role) == (sales, "sales")
    assert Notification.objects.filter(recipient=sales, kind="partner_team_added").count() == 1
    again = manager_client.post(url, {"user": sales.pk, "role": "sales"})
    assert "already has this role" in again.content.decode()
    assert PartnerTeamMember.objects.filter(partner=partner).count() == 1
    assert manager_client.post(reverse("partners:team-remove", args=[partner.slug, member.pk])).status_code == 302
    assert not PartnerTeamMember.objects.exists()
    assert [row.history_type for row in PartnerTeamMember.history.order_by("history_id")] == ["+", "-"]
    history = manager_client.get(reverse("partners:section", args=[partner.slug, "history"]), HTTP_HX_REQUEST="true")
    assert "Team: Sales" in history.content.decode()


def test_inactive_person_and_bad_role_are_refused(manager_client):
    partner = PartnerFactory()
    url = reverse("partners:team", args=[partner.slug])
    gone = UserFactory(is_active=False)
    response = manager_client.post(url, {"user": gone.pk, "role": "sales"})
    assert response.status_code == 200 and response.context["form"].errors["user"]
    response = manager_client.post(url, {"user": UserFactory().pk, "role": "boss"})
    assert response.context["form"].errors["role"]
    assert not PartnerTeamMember.objects.exists()


def test_roles(sales_client, outsider_client, client):
    partner = PartnerFactory()
    member = PartnerTeamMember.objects.create(partner=partner, user=UserFactory(), role="technical")
    url = reverse("partners:team", args=[partner.slug])
    assert client.get(url).status_code == 302
    assert outsider_client.get(url).status_code == 200  # everyone reads
    assert "Add a team member" not in outsider_client.get(url).content.decode()
    assert sales_client.post(url, {"user": member.user.pk, "role": "sales"}).status_code == 403
    assert sales_client.post(reverse("partners:team-remove", args=[partner.slug, member.pk])).status_code == 403
    assert PartnerTeamMember.objects.count() == 1


def test_my_partners_filter(client_for, sales):
    mine = PartnerFactory(name="On My Team")
    PartnerTeamMember.objects.create(partner=mine, user=sales, role="sales")
    managed = PartnerFactory(name="Managed By Me", manager=sales)
    PartnerFactory(name="Someone Else's")
    response = client_for(sales).get(reverse("partners:list"), {"mine": "1"})
    assert sorted(p.name for p in response.context["page_obj"]) == [managed.name, mine.name]


@pytest.mark.parametrize("rows", [1, 30])
def test_team_page_query_count_is_flat(rows, manager_client, django_assert_num_queries):
    partner = PartnerFactory()
    for _ in range(rows):
        PartnerTeamMember.objects.create(partner=partner, user=UserFactory(), role="sales")
    # session, user, partner (manager joined), members (users joined), person options
    with django_assert_num_queries(5):
        response = manager_client.get(reverse("partners:team", args=[partner.slug]))
    assert response.content.decode().count('data-testid="team-member"') == rows

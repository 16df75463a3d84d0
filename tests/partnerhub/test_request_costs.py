"""The fixed cost every page pays: the user loaded with roles and unread count in one precompiled
query, and menus rendered once per role set (fragment cache) without leaking between roles."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partnerhub.auth_backends import PartnerHubBackend
from partnerhub.models import Notification
from partnerhub.roles import Role, user_roles

from ..factories import UserFactory


@pytest.mark.django_db
class TestUserWithRoles:
    def test_roles_and_unread_count_come_with_the_user_in_one_query(self):
        user = UserFactory(roles=[Role.SALES, Role.MARKETING])
        Notification.objects.create(recipient=user, kind="k", title="unread 1")
        Notification.objects.create(recipient=user, kind="k", title="unread 2")
        Notification.objects.create(recipient=user, kind="k", title="read", read_at=timezone.now())
        Notification.objects.create(recipient=UserFactory(), kind="k", title="someone else's")

        with CaptureQueriesContext(connection) as queries:
            loaded = PartnerHubBackend().get_user(user.pk)
            roles = user_roles(loaded)

        assert len(queries) == 1
        assert loaded.pk == user.pk and loaded.username == user.username
        assert roles == {Role.SALES.value, Role.MARKETING.value}
        assert loaded.unread_notification_count == 2
        assert loaded.has_role_sales is True and loaded.has_role_accounting is False

    def test_a_user_without_roles_has_none(self):
        loaded = PartnerHubBackend().get_user(UserFactory().pk)
        assert user_roles(loaded) == frozenset()
        assert loaded.unread_notification_count == 0

    @pytest.mark.parametrize("bad_id", [987654321, "not-a-number", None])
    def test_unknown_or_garbage_ids_are_no_user(self, bad_id):
        assert PartnerHubBackend().get_user(bad_id) is None

    def test_an_inactive_user_is_no_user(self):
        assert PartnerHubBackend().get_user(UserFactory(is_active=False).pk) is None


@pytest.mark.django_db
class TestMenusPerRole:
    def test_a_cached_menu_never_shows_another_roles_items(self, client_for, accounting, sales):
        # Accounting renders first and fills the fragment cache; sales must get its own menu.
        assert 'data-testid="menu-accounting"' in client_for(accounting).get(reverse("home")).content.decode()
        assert 'data-testid="menu-accounting"' not in client_for(sales).get(reverse("home")).content.decode()

    def test_a_new_role_shows_its_menu_on_the_next_page(self, client_for, sales):
        client = client_for(sales)
        assert 'data-testid="menu-accounting"' not in client.get(reverse("home")).content.decode()
        sales.groups.add(Group.objects.get_or_create(name=Role.ACCOUNTING.value)[0])
        assert 'data-testid="menu-accounting"' in client.get(reverse("home")).content.decode()

    def test_staff_see_the_admin_link_and_others_do_not(self, client_for, sales):
        staff = UserFactory(username="staffer", is_staff=True, roles=[Role.SALES])
        assert reverse("admin:index") in client_for(staff).get(reverse("home")).content.decode()
        assert reverse("admin:index") not in client_for(sales).get(reverse("home")).content.decode()

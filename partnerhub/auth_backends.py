"""Loads the signed-in user with their roles and unread-notification count in one query.

Every page needs both (navigation and permission checks); fetching them with the user keeps a
page's fixed cost at two queries (session, user) whatever the page shows.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Count, Exists, OuterRef, Q

from .roles import Role


def role_annotation_name(role: Role) -> str:
    return "has_role_" + role.name.lower()


class PartnerHubBackend(ModelBackend):
    def get_user(self, user_id):
        user_model = get_user_model()
        memberships = user_model.groups.through.objects.filter(user_id=OuterRef("pk"))
        annotations = {role_annotation_name(role): Exists(memberships.filter(group__name=role.value)) for role in Role}
        try:
            user = user_model._default_manager.annotate(
                unread_notification_count=Count("notifications", filter=Q(notifications__read_at__isnull=True)),
                **annotations,
            ).get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

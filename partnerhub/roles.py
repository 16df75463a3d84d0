"""Roles are Django groups (created by a data migration). docs/design.md's role table lives here.

Everyone signed in may read; writes are checked with `user_can(user, Action.X)`.
Superusers are the admins and may do everything.
"""

from enum import StrEnum

from django.contrib.auth.models import AnonymousUser, User


class Role(StrEnum):
    PARTNER_MANAGER = "Partner managers"
    SALES = "Sales"
    MARKETING = "Marketing"
    ACCOUNTING = "Accounting"


class Action(StrEnum):
    MANAGE_PARTNERS = "manage_partners"  # partners, contracts, supplier risk
    MANAGE_CONTACTS = "manage_contacts"
    LOG_ACTIVITIES = "log_activities"
    MANAGE_DEALS = "manage_deals"  # deal registrations, opportunities
    MANAGE_CAMPAIGNS = "manage_campaigns"  # campaigns, fund claims, allocations
    MANAGE_ACCOUNTING = "manage_accounting"  # invoices paid, license reports
    MANAGE_ALL_CERTIFICATIONS = "manage_all_certifications"
    MANAGE_TASKS = "manage_tasks"  # create tasks; complete and reassign one's own (partner managers: anyone's)


ROLE_TABLE: dict[Action, frozenset[Role]] = {
    Action.MANAGE_PARTNERS: frozenset({Role.PARTNER_MANAGER}),
    Action.MANAGE_CONTACTS: frozenset({Role.PARTNER_MANAGER, Role.SALES, Role.MARKETING}),
    Action.LOG_ACTIVITIES: frozenset({Role.PARTNER_MANAGER, Role.SALES, Role.MARKETING}),
    Action.MANAGE_DEALS: frozenset({Role.PARTNER_MANAGER, Role.SALES}),
    Action.MANAGE_CAMPAIGNS: frozenset({Role.PARTNER_MANAGER, Role.MARKETING}),
    Action.MANAGE_ACCOUNTING: frozenset({Role.PARTNER_MANAGER, Role.ACCOUNTING}),
    Action.MANAGE_ALL_CERTIFICATIONS: frozenset({Role.PARTNER_MANAGER}),
    Action.MANAGE_TASKS: frozenset({Role.PARTNER_MANAGER, Role.SALES, Role.MARKETING}),
}


def user_roles(user: User | AnonymousUser) -> frozenset[str]:
    """The user's role names, read once per request and cached on the user object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_partnerhub_roles", None)
    if cached is None:
        if hasattr(user, "has_role_partner_manager"):  # annotated by PartnerHubBackend.get_user
            cached = frozenset(role.value for role in Role if getattr(user, "has_role_" + role.name.lower()))
        else:
            cached = frozenset(user.groups.values_list("name", flat=True))
        setattr(user, "_partnerhub_roles", cached)  # noqa: B010 - a per-request cache, not a model field
    return cached


def user_can(user: User | AnonymousUser, action: Action) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(user_roles(user) & ROLE_TABLE[action])


def user_permissions(user: User | AnonymousUser) -> dict[str, bool]:
    """All actions as a dict for templates: `{% if can.manage_partners %}`."""
    return {action.value: user_can(user, action) for action in Action}


def users_with_role(role: Role) -> list[User]:
    """The active users holding `role` (one query): e.g. accounting, told about invoices."""
    return list(User.objects.filter(groups__name=role.value, is_active=True).distinct().order_by("pk"))

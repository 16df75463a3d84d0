"""Demo-data registry. Each app adds a seeder in its own `demo.py`:

    @demo_seeder(order=20)
    def seed_activities(today: date, users: dict[str, User]) -> None: ...

Seeders are idempotent (get_or_create on natural keys): `seed_demo` run twice changes nothing.
"""

from collections.abc import Callable
from datetime import date

from django.contrib.auth.models import Group, User
from django.utils.module_loading import autodiscover_modules

from .registry import Registry
from .roles import Role

DemoSeeder = Callable[[date, dict[str, User]], None]
# "module.function" -> (order, seeder); run in (order, name) order.
SEEDERS: Registry[str, tuple[int, DemoSeeder]] = Registry("demo seeders")

DEMO_PASSWORD = "demo"  # noqa: S105 - demo accounts only; seed_demo refuses to run in production
DEMO_USERS: list[tuple[str, str, str, Role | None, bool]] = [
    # username, first name, last name, role, superuser
    ("admin", "Ada", "Admin", None, True),
    ("manager", "Marta", "Manager", Role.PARTNER_MANAGER, False),
    ("sales", "Sam", "Sales", Role.SALES, False),
    ("marketing", "Mia", "Marketing", Role.MARKETING, False),
    ("accounting", "Anton", "Accounting", Role.ACCOUNTING, False),
    ("engineer", "Elena", "Engineer", None, False),
]


def demo_seeder(order: int) -> Callable[[DemoSeeder], DemoSeeder]:
    def register(seeder: DemoSeeder) -> DemoSeeder:
        key = f"{seeder.__module__}.{seeder.__name__}"
        SEEDERS.register(key, (order, seeder), origin=key)
        return seeder

    return register


def seed_users() -> dict[str, User]:
    users: dict[str, User] = {}
    for username, first, last, role, superuser in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@vshn.example",
                "is_staff": superuser,
                "is_superuser": superuser,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if role is not None:
            user.groups.add(Group.objects.get_or_create(name=role.value)[0])
        users[username] = user
    return users


def run_all(today: date) -> dict[str, User]:
    autodiscover_modules("demo")
    users = seed_users()
    for _, _, seeder in sorted((order, key, seeder) for key, (order, seeder) in SEEDERS.items()):
        seeder(today, users)
    return users

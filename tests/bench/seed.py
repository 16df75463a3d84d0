"""Seed a large data set quickly (bulk inserts) for `make bench`.

Volumes follow issue 8 (scale 1.0): 10,000 partners, 50,000 contacts, 500,000 activities, 50,000 deal
registrations, 20,000 certification holdings, 20,000 fund claims with invoices, 100,000 license
report lines. Each app's part only runs when the app has the models (scaled to what exists).
"""

import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import connection

BATCH = 5000
rng = random.Random(20261123)  # repeatable data set


@dataclass
class Context:
    scale: float
    today: date
    users: list[User] = field(default_factory=list)
    manager: User | None = None
    partner_ids: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def n(self, full: int) -> int:
        return max(1, int(full * self.scale))


def bulk(model, objects, ctx: Context, label: str | None = None) -> None:
    objects = list(objects)
    for start in range(0, len(objects), BATCH):
        model.objects.bulk_create(objects[start : start + BATCH], batch_size=BATCH)
    key = label or model._meta.label
    ctx.counts[key] = ctx.counts.get(key, 0) + len(objects)


def seed_users(ctx: Context) -> None:
    password = make_password("bench")
    groups = {g.name: g for g in Group.objects.all()}
    roles = ["Partner managers", "Sales", "Marketing", "Accounting"]
    users = [
        User(
            username=f"bench{i:03d}",
            email=f"bench{i:03d}@vshn.example",
            first_name="Bench",
            last_name=f"User {i}",
            password=password,
        )
        for i in range(60)
    ]
    User.objects.bulk_create(users)
    users = list(User.objects.filter(username__startswith="bench").order_by("username"))
    memberships = [User.groups.through(user_id=u.pk, group_id=groups[roles[i % 4]].pk) for i, u in enumerate(users)]
    User.groups.through.objects.bulk_create(memberships)
    admin = User.objects.create_superuser("benchadmin", "benchadmin@vshn.example", "bench")
    ctx.users = users
    ctx.manager = users[0]  # in "Partner managers"
    ctx.admin = admin
    ctx.counts["users"] = len(users) + 1


def seed_partners(ctx: Context) -> None:
    from partners.models import Contact, Contract, Partner, PartnerType, SupplierRiskAssessment

    types = list(PartnerType.objects.all())
    managers = [u for i, u in enumerate(ctx.users) if i % 4 == 0]
    stages = ["prospect", "onboarding", "active", "active", "active", "inactive"]
    cadences = ["weekly", "fortnightly", "monthly", "monthly", "quarterly", "none"]
    n = ctx.n(10_000)
    bulk(
        Partner,
        (
            Partner(
                name=f"Bench Partner {i:05d}",
                slug=f"bench-partner-{i:05d}",
                stage=rng.choice(stages),
                manager=rng.choice(managers),
                sync_cadence=rng.choice(cadences),
                program_level=rng.choice(["", "Gold", "Premier", "Select"]),
                markets="Switzerland",
                archived=(i % 50 == 0),
            )
            for i in range(n)
        ),
        ctx,
    )
    ctx.partner_ids = list(Partner.objects.filter(slug__startswith="bench-partner-").order_by("pk").values_list("pk", flat=True))
    through = Partner.types.through
    bulk(
        through, (through(partner_id=pid, partnertype_id=types[i % len(types)].pk) for i, pid in enumerate(ctx.partner_ids)), ctx
    )
    roles = ["executive", "partner_manager", "sales", "marketing", "technical", "billing"]
    bulk(
        Contact,
        (
            Contact(
                partner_id=ctx.partner_ids[i % n],
                first_name=f"First{i}",
                last_name=f"Last{i}",
                stakeholder_role=roles[i % 6],
                email=f"c{i}@example.com",
                is_primary=(i < n),
            )
            for i in range(ctx.n(50_000))
        ),
        ctx,
    )
    contracts = []
    for i, pid in enumerate(ctx.partner_ids):
        start = ctx.today - timedelta(days=rng.randint(30, 1500))
        end = start + timedelta(days=rng.randint(365, 1800))
        notice = rng.choice([30, 60, 90, 180])
        contracts.append(
            Contract(
                partner_id=pid,
                kind="partner_agreement",
                title=f"Agreement {i}",
                start_date=start,
                end_date=end,
                notice_period_days=notice,
                notice_deadline=Contract.derive_notice_deadline(end, notice),
            )
        )
    bulk(Contract, contracts, ctx)
    assessments = []
    for pid in ctx.partner_ids:
        assessed = ctx.today - timedelta(days=rng.randint(10, 700))
        assessments.append(
            SupplierRiskAssessment(
                partner_id=pid,
                risk_level=rng.choice(["low", "medium", "high"]),
                criticality="medium",
                assessed_on=assessed,
                next_review_due=assessed + timedelta(days=365),
            )
        )
    bulk(SupplierRiskAssessment, assessments, ctx)


def seed_activities(ctx: Context) -> None:
    pass  # filled in when the activities app lands


def seed_certifications(ctx: Context) -> None:
    pass  # filled in when the certifications app lands


def seed_funds(ctx: Context) -> None:
    pass  # filled in when the funds app lands


def seed_reporting(ctx: Context) -> None:
    pass  # filled in when the reporting app lands


def seed_all(scale: float, today: date) -> Context:
    ctx = Context(scale=scale, today=today)
    for step in [seed_users, seed_partners, seed_activities, seed_certifications, seed_funds, seed_reporting]:
        started = time.monotonic()
        step(ctx)
        print(f"  seeded {step.__name__.removeprefix('seed_'):<15} in {time.monotonic() - started:6.1f}s", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return ctx

"""Seed a large data set quickly (bulk inserts) for `make bench`.

Volumes follow issue 8 (scale 1.0): 10,000 partners, 50,000 contacts, 500,000 activities, 50,000 deal
registrations, 20,000 certification holdings, 20,000 fund claims with invoices, 100,000 license
report lines. Each app's part only runs when the app has the models (scaled to what exists).
"""

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from decimal import Decimal

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
        assessed = ctx.today - timedelta(days=rng.randint(10, 420))  # about one in eight due
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


def copy_rows(model, columns: list[str], rows, ctx: Context, label: str | None = None) -> int:
    """Insert plain tuples fast: COPY on PostgreSQL (10x bulk_create), batched INSERTs elsewhere.

    The caller fills every column the database needs, derived and auto_now ones included."""
    table = model._meta.db_table
    count = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            cols = ", ".join(f'"{c}"' for c in columns)
            with raw.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
    else:
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({placeholders})'  # noqa: S608 - model metadata
        batch = []
        with connection.cursor() as cursor:
            for row in rows:
                batch.append(row)
                if len(batch) == BATCH:
                    cursor.executemany(sql, batch)
                    count, batch = count + len(batch), []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
    key = label or model._meta.label
    ctx.counts[key] = ctx.counts.get(key, 0) + count
    return count


def next_id(model) -> int:
    """The first primary key COPY may use; reset_sequence() afterwards moves the sequence past it."""
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def reset_sequences(*models) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), COALESCE((SELECT MAX(id) FROM \"{table}\"), 1))"  # noqa: S608
            )


def moment(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, dt_time(hour, rng.randint(0, 59)), tzinfo=UTC)


CUSTOMERS = [
    f"{stem} {suffix}".strip()
    for stem in (
        "Acme",
        "Globex",
        "Initech",
        "Umbrella",
        "Helvetia Data",
        "Alpen Cloud",
        "Zürich Logistik",
        "Basel Pharma",
        "Bern Energie",
        "Lac Léman Bank",
        "Ticino Retail",
        "Jura Watches",
        "Rhein Chemie",
        "Aare Insurance",
    )
    for suffix in ("AG", "GmbH", "SA", "Ltd.", "", "Inc.")
]


def seed_activities(ctx: Context) -> None:
    """Activities over three years (newest-first feed, sync meetings following each partner's cadence
    with some partners lagging so sync_meeting_due has work), opportunities, deal registrations
    (some approved ones expiring soon or already past expiry), campaigns."""
    from activities.models import Activity, Campaign, DealRegistration, Opportunity, normalise_customer, quarter_of
    from partners.models import Partner

    today, user_ids = ctx.today, [u.pk for u in ctx.users]
    partners = list(Partner.objects.filter(pk__in=ctx.partner_ids).values_list("pk", "sync_cadence", "archived"))
    now = moment(today)
    # The last sync meeting per partner: mostly within the cadence, about one in eight overdue.
    last_sync = {}
    for pk, cadence, archived in partners:
        days = Partner.CADENCE_DAYS.get(cadence)
        if days and not archived:
            last_sync[pk] = today - timedelta(days=int(days * rng.uniform(0.0, 1.15)))
    kinds = ["call"] * 30 + ["email"] * 30 + ["meeting"] * 15 + ["note"] * 12 + ["sync_meeting"] * 8 + ["event"] * 3 + ["qbr"] * 2
    total = ctx.n(500_000)
    first = next_id(Activity)

    def activities():
        pid = first
        for partner_id, day in last_sync.items():
            if pid - first >= total:
                return
            yield (
                pid,
                partner_id,
                "sync_meeting",
                day,
                "Sync meeting",
                "Agenda, pipeline, next steps.",
                rng.choice(user_ids),
                None,
                False,
                False,
                now,
            )
            pid += 1
        partner_ids = ctx.partner_ids
        while pid - first < total:
            partner_id = rng.choice(partner_ids)
            day = today - timedelta(days=int(rng.random() ** 1.3 * 1095))  # denser recently
            kind = rng.choice(kinds)
            if kind == "sync_meeting" and day >= last_sync.get(partner_id, day):
                kind = "call"
            follow_up, done = None, False
            if rng.random() < 0.12:
                follow_up = day + timedelta(days=rng.randint(3, 30))
                done = follow_up < today - timedelta(days=14) or rng.random() < 0.5
            yield (
                pid,
                partner_id,
                kind,
                day,
                f"{kind.replace('_', ' ').title()} about pipeline #{pid}",
                "Discussed joint customers and next steps." if rng.random() < 0.5 else "",
                rng.choice(user_ids),
                follow_up,
                done,
                False,
                now,
            )
            pid += 1

    columns = [
        "id",
        "partner_id",
        "kind",
        "occurred_on",
        "subject",
        "notes",
        "author_id",
        "follow_up_on",
        "follow_up_done",
        "inform_team",
        "created_at",
    ]
    copy_rows(Activity, columns, activities(), ctx)
    last = first + total
    through = Activity.participants.through
    copy_rows(
        through,
        ["activity_id", "user_id"],
        ((aid, rng.choice(user_ids)) for aid in range(first, last) if rng.random() < 0.2),
        ctx,
        label="activities.Activity.participants",
    )

    stages = ["lead", "qualified", "proposal", "negotiation", "won", "won", "lost"]
    SOURCES = ["partner_sourced", "partner_influenced", "partner_influenced", "vshn_sourced"]  # noqa: N806
    currencies = ["CHF"] * 6 + ["EUR"] * 3 + ["USD"]
    first_opp = next_id(Opportunity)
    copy_rows(
        Opportunity,
        [
            "id",
            "partner_id",
            "end_customer",
            "title",
            "value",
            "currency",
            "stage",
            "expected_close",
            "won_on",
            "source",
            "owner_id",
            "notes",
            "created_at",
            "updated_at",
        ],
        (
            (
                first_opp + i,
                rng.choice(ctx.partner_ids),
                rng.choice(CUSTOMERS),
                f"Opportunity {i}",
                Decimal(rng.randint(5, 500) * 1000),
                rng.choice(currencies),
                stage,
                close,
                min(close, today) if stage == "won" else None,
                rng.choice(SOURCES),
                rng.choice(user_ids),
                "",
                now,
                now,
            )
            for i in range(ctx.n(10_000))
            for stage, close in [(rng.choice(stages), today + timedelta(days=rng.randint(-900, 270)))]
        ),
        ctx,
    )

    first_reg = next_id(DealRegistration)

    def registrations():
        for i in range(ctx.n(50_000)):
            customer = f"{rng.choice(CUSTOMERS)} {rng.randint(1, 400)}" if rng.random() < 0.9 else rng.choice(CUSTOMERS)
            created = today - timedelta(days=int(rng.random() * 1095))
            age = (today - created).days
            if age > 240:
                status = rng.choice(["won", "won", "lost", "lost", "expired", "rejected"])
            else:
                status = rng.choice(["draft", "submitted", "approved", "approved", "approved", "won", "lost", "rejected"])
            submitted = moment(created + timedelta(days=1)) if status != "draft" else None
            expires = None
            if status in ("approved", "won", "expired"):
                expires = created + timedelta(days=rng.choice([90, 180, 180, 365]))
                if status == "approved" and expires < today and rng.random() < 0.9:
                    expires = today + timedelta(days=rng.randint(0, 120))  # most approved ones are still valid
            yield (
                first_reg + i,
                rng.choice(ctx.partner_ids),
                f"REG-{i:06d}" if rng.random() < 0.8 else "",
                customer,
                normalise_customer(customer)[:200],
                "OpenShift subscriptions",
                Decimal(rng.randint(10, 900) * 100),
                rng.choice(currencies),
                status,
                submitted,
                expires,
                rng.choice(user_ids),
                "",
                moment(created),
                now,
            )

    copy_rows(
        DealRegistration,
        [
            "id",
            "partner_id",
            "registration_id",
            "customer",
            "customer_normalized",
            "products",
            "value",
            "currency",
            "status",
            "submitted_at",
            "expires_on",
            "owner_id",
            "notes",
            "created_at",
            "updated_at",
        ],
        registrations(),
        ctx,
    )

    first_campaign = next_id(Campaign)
    campaign_rows, campaign_partners = [], []
    for i in range(ctx.n(2_000)):
        starts = today + timedelta(days=rng.randint(-1000, 120))
        status = rng.choice(["planned", "in_progress", "done", "published", "cancelled"]) if starts < today else "planned"
        checked = status in ("done", "published")
        campaign_rows.append(
            (
                first_campaign + i,
                rng.choice(["event", "roadshow", "webinar", "campaign", "collateral", "pr"]),
                f"Campaign {i}",
                "",
                status,
                starts,
                starts + timedelta(days=rng.randint(0, 30)),
                quarter_of(starts),
                Decimal(rng.randint(1, 50) * 500),
                rng.choice(currencies),
                rng.randint(0, 80),
                rng.randint(0, 300),
                rng.choice(user_ids),
                rng.choice(user_ids) if checked else None,
                moment(starts) if checked else None,
                checked,
                now,
                now,
            )
        )
        for partner_id in rng.sample(ctx.partner_ids, min(len(ctx.partner_ids), rng.randint(1, 3))):
            campaign_partners.append((first_campaign + i, partner_id))
    copy_rows(
        Campaign,
        [
            "id",
            "kind",
            "title",
            "description",
            "status",
            "starts_on",
            "ends_on",
            "quarter",
            "budget",
            "currency",
            "leads",
            "attendees",
            "owner_id",
            "brand_checked_by_id",
            "brand_checked_at",
            "pr_guidelines_approved",
            "created_at",
            "updated_at",
        ],
        campaign_rows,
        ctx,
    )
    copy_rows(
        Campaign.partners.through, ["campaign_id", "partner_id"], campaign_partners, ctx, label="activities.Campaign.partners"
    )
    reset_sequences(Activity, through, Opportunity, DealRegistration, Campaign, Campaign.partners.through)


def seed_certifications(ctx: Context) -> None:
    """A catalog (vendors' certifications, program levels with requirements, the levels held and aimed
    for) and holdings: renewal chains per person and certification that never overlap, so some expire
    within the reminder window and some levels are at risk."""
    from certifications.models import Certification, Holding, LevelRequirement, PartnerProgramStatus, ProgramLevel
    from partnerhub.dates import same_day_months_later

    today, user_ids, now = ctx.today, [u.pk for u in ctx.users], moment(ctx.today)
    vendors = ctx.partner_ids[: max(1, ctx.n(60))]
    certs = []
    for vendor in vendors:
        for j in range(6):
            certs.append(
                Certification(
                    partner_id=vendor,
                    name=f"Certified Specialist {j} of vendor {vendor}",
                    code=f"EX{100 + j}",
                    validity_months=rng.choice([24, 36, 36, None]) if j else None,
                )
            )
    bulk(Certification, certs, ctx)
    certs = list(Certification.objects.filter(partner_id__in=vendors).order_by("pk"))
    by_vendor: dict[int, list] = {}
    for cert in certs:
        by_vendor.setdefault(cert.partner_id, []).append(cert)
    levels = [
        ProgramLevel(partner_id=v, name=name, rank=rank)
        for v in vendors
        for rank, name in enumerate(["Ready", "Advanced", "Premier"], 1)
    ]
    bulk(ProgramLevel, levels, ctx)
    levels = list(ProgramLevel.objects.filter(partner_id__in=vendors).order_by("partner_id", "rank"))
    requirements = [LevelRequirement(level=level, min_holders=level.rank * rng.randint(1, 4)) for level in levels]
    bulk(LevelRequirement, requirements, ctx)
    requirements = list(LevelRequirement.objects.filter(level__partner_id__in=vendors).select_related("level"))
    through = LevelRequirement.certifications.through
    bulk(
        through,
        (
            through(levelrequirement_id=req.pk, certification_id=cert.pk)
            for req in requirements
            for cert in rng.sample(by_vendor[req.level.partner_id], 2)
        ),
        ctx,
    )
    vendor_levels: dict[int, list] = {}
    for level in levels:
        vendor_levels.setdefault(level.partner_id, []).append(level)
    bulk(
        PartnerProgramStatus,
        (PartnerProgramStatus(partner_id=v, held_level=vendor_levels[v][1], target_level=vendor_levels[v][2]) for v in vendors),
        ctx,
    )

    target = ctx.n(20_000)
    pairs = [(u, c) for u in user_ids for c in certs]
    rng.shuffle(pairs)
    first = next_id(Holding)
    rows = []
    for holder, cert in pairs:
        if len(rows) >= target:
            break
        obtained = today - timedelta(days=rng.randint(0, 1460))
        while obtained <= today and len(rows) < target:
            expires = same_day_months_later(obtained, cert.validity_months) if cert.validity_months else None
            renewal = expires - timedelta(days=rng.randint(0, 60)) if expires and rng.random() < 0.7 else None
            if renewal and renewal <= today and renewal > obtained:
                expires = renewal - timedelta(days=1)  # the renewal starts the day after: no overlap
            rows.append((first + len(rows), holder, cert.pk, obtained, expires, f"CRED-{first + len(rows)}", "", "", now, now))
            if not renewal or renewal > today or renewal <= obtained:
                break
            obtained = renewal
    copy_rows(
        Holding,
        [
            "id",
            "holder_id",
            "certification_id",
            "obtained_on",
            "expires_on",
            "credential_id",
            "verification_url",
            "certificate",
            "created_at",
            "updated_at",
        ],
        rows,
        ctx,
    )
    reset_sequences(Holding)


def seed_funds(ctx: Context) -> None:
    """Allocations per half year, claims in every state inside their periods (claim_deadline derived),
    invoices for invoiced and paid claims: some unpaid past due, some drafts near their deadline."""
    from funds.models import INVOICE_PAYMENT_TERM_DAYS, FundAllocation, FundClaim, Invoice

    today, user_ids, now = ctx.today, [u.pk for u in ctx.users], moment(ctx.today)
    funded = ctx.partner_ids[: max(1, ctx.n(1_200))]
    periods = []
    for year in range(today.year - 3, today.year + 1):
        for half, (start, end) in enumerate([(date(year, 1, 1), date(year, 6, 30)), (date(year, 7, 1), date(year, 12, 31))], 1):
            if start <= today:
                periods.append((f"FY{year} H{half}", start, end))
    first_alloc = next_id(FundAllocation)
    allocations = []
    for partner_id in funded:
        currency = rng.choice(["CHF", "CHF", "EUR", "USD"])
        for label, start, end in periods:
            allocations.append(
                (
                    first_alloc + len(allocations),
                    partner_id,
                    rng.choice(["mdf", "mdf", "sdf"]),
                    label,
                    start,
                    end,
                    Decimal(rng.randint(5, 60) * 1000),
                    currency,
                    "Partner Connect",
                    "",
                    "",
                    rng.choice([60, 90, 120]),
                    "",
                    rng.choice(user_ids),
                    now,
                    now,
                )
            )
    copy_rows(
        FundAllocation,
        [
            "id",
            "partner_id",
            "kind",
            "period_label",
            "period_start",
            "period_end",
            "amount",
            "currency",
            "tool_name",
            "tool_reference",
            "tool_url",
            "claim_deadline_days",
            "notes",
            "created_by_id",
            "created_at",
            "updated_at",
        ],
        allocations,
        ctx,
    )
    first_claim = next_id(FundClaim)
    claims, invoices = [], []
    target = ctx.n(20_000)
    while len(claims) < target:
        alloc = rng.choice(allocations)
        alloc_id, start, end, currency, deadline_days = alloc[0], alloc[4], alloc[5], alloc[7], alloc[11]
        activity_start = start + timedelta(days=rng.randint(0, (end - start).days))
        if activity_start > today:
            continue
        activity_end = min(activity_start + timedelta(days=rng.randint(0, 5)), end)
        deadline = FundClaim.derive_claim_deadline(activity_end, deadline_days)
        age = (today - activity_end).days
        if age > 200:
            status = rng.choice(["paid"] * 8 + ["rejected", "draft"])
        else:
            status = rng.choice(["draft", "draft", "submitted", "approved", "proof_submitted", "invoiced", "paid", "rejected"])
        requested = Decimal(rng.randint(10, 200) * 50)
        approved = (
            (requested * Decimal(rng.choice(["1", "1", "0.8", "0.5"]))).quantize(Decimal("0.01"))
            if status in ("approved", "proof_submitted", "invoiced", "paid")
            else None
        )
        pk = first_claim + len(claims)
        submitted = moment(activity_end + timedelta(days=3)) if status != "draft" else None
        decided = moment(activity_end + timedelta(days=10)) if status not in ("draft", "submitted") else None
        invoiced = paid = None
        if status in ("invoiced", "paid"):
            issued = activity_end + timedelta(days=rng.randint(15, 40))
            issued = min(issued, today)
            due = issued + timedelta(days=INVOICE_PAYMENT_TERM_DAYS)
            paid_on = None
            if status == "invoiced" and due < today - timedelta(days=20) and rng.random() < 0.7:
                status = "paid"  # long-overdue invoices are the exception
            if status == "paid":
                paid_on = min(issued + timedelta(days=rng.randint(5, 45)), today)
            invoiced, paid = moment(issued), moment(paid_on) if paid_on else None
            invoices.append(
                (
                    pk,
                    f"VSHN-{issued.year}-{pk:06d}",
                    pk,
                    issued,
                    due,
                    approved,
                    currency,
                    paid_on,
                    rng.choice(user_ids) if paid_on else None,
                    rng.choice(user_ids),
                    invoiced,
                )
            )
        claims.append(
            (
                pk,
                alloc_id,
                None,
                f"Joint event {pk}",
                "",
                activity_start,
                activity_end,
                requested,
                currency,
                "",
                approved,
                status,
                deadline,
                "Out of scope." if status == "rejected" else "",
                status not in ("draft", "submitted"),
                status in ("proof_submitted", "invoiced", "paid"),
                status in ("proof_submitted", "invoiced", "paid"),
                False,
                rng.choice(user_ids),
                now,
                now,
                submitted,
                rng.choice(user_ids) if submitted else None,
                decided,
                rng.choice(user_ids) if decided else None,
                decided if status in ("proof_submitted", "invoiced", "paid") else None,
                None,
                invoiced,
                paid,
            )
        )
    copy_rows(
        FundClaim,
        [
            "id",
            "allocation_id",
            "campaign_id",
            "title",
            "description",
            "activity_start",
            "activity_end",
            "requested_amount",
            "currency",
            "tool_reference",
            "approved_amount",
            "status",
            "claim_deadline",
            "rejection_reason",
            "proof_supplier_invoices",
            "proof_photos",
            "proof_attendee_list",
            "proof_leads",
            "created_by_id",
            "created_at",
            "updated_at",
            "submitted_at",
            "submitted_by_id",
            "decided_at",
            "decided_by_id",
            "proof_submitted_at",
            "proof_submitted_by_id",
            "invoiced_at",
            "paid_at",
        ],
        claims,
        ctx,
    )
    copy_rows(
        Invoice,
        [
            "id",
            "number",
            "claim_id",
            "issued_on",
            "due_on",
            "amount",
            "currency",
            "paid_on",
            "paid_by_id",
            "created_by_id",
            "created_at",
        ],
        invoices,
        ctx,
    )
    reset_sequences(FundAllocation, FundClaim, Invoice)


def seed_reporting(ctx: Context) -> None:
    """Reporting agreements and three years of monthly license reports with their lines: totals and
    previous totals derived from the lines; old months acknowledged, recent ones partly still due."""
    from partnerhub.dates import first_of_month, first_of_month_months_later
    from reporting.models import LicenseReport, LicenseReportLine, ReportingAgreement, due_on_for

    today, user_ids, now = ctx.today, [u.pk for u in ctx.users], moment(ctx.today)
    target_lines = ctx.n(100_000)
    months = 36
    reporters = ctx.partner_ids[-max(1, min(len(ctx.partner_ids), target_lines // (months * 3))) :]
    agreements = []
    for partner_id in reporters:
        agreements.append(
            ReportingAgreement(
                partner_id=partner_id,
                due_day=rng.choice([5, 10, 10, 15, 20]),
                currency=rng.choice(["CHF", "CHF", "EUR", "USD"]),
                accounting_threshold=Decimal(rng.choice([20_000, 50_000, 100_000])),
                growth_alert_percent=rng.choice([20, 30, 50]),
                recipient="licensing@example.com",
            )
        )
    bulk(ReportingAgreement, agreements, ctx)
    last_month = first_of_month_months_later(today, -1)
    first_report, first_line = next_id(LicenseReport), next_id(LicenseReportLine)
    reports, lines = [], []
    products = [
        "OpenShift Platform Plus",
        "OpenShift Container Platform",
        "Ansible Automation",
        "RHEL for Virtual Datacenters",
        "Rancher Prime",
        "SUSE Linux Enterprise",
        "Exoscale Compute",
        "Cloudscale Object Storage",
    ]
    for agreement in agreements:
        previous = None
        partner_products = rng.sample(products, 3)
        base = {p: Decimal(rng.randint(4, 400)) for p in partner_products}
        for back in range(months - 1, -1, -1):
            if len(lines) >= target_lines:
                break
            month = first_of_month_months_later(last_month, -back)
            due = due_on_for(month, agreement.due_day)
            if back >= 3 or due < today - timedelta(days=60):
                status = "acknowledged" if rng.random() < 0.9 else "submitted"
            elif due >= today:
                status = rng.choice(["due", "draft", "submitted"])
            else:
                status = rng.choice(["due", "draft", "submitted", "submitted", "acknowledged"])
            pk = first_report + len(reports)
            total = Decimal("0")
            if status != "due":
                for product in partner_products:
                    quantity = max(Decimal("1"), (base[product] * Decimal(rng.uniform(0.9, 1.12))).quantize(Decimal("1")))
                    base[product] = quantity
                    price = Decimal("25.00") if "Platform" in product else Decimal("12.50")
                    line_total = quantity * price
                    total += line_total
                    lines.append(
                        (
                            first_line + len(lines),
                            pk,
                            product,
                            "cores",
                            quantity,
                            price,
                            agreement.currency,
                            "monthly",
                            line_total,
                        )
                    )
            submitted = moment(due - timedelta(days=2)) if status in ("submitted", "acknowledged") else None
            acknowledged = moment(due + timedelta(days=3)) if status == "acknowledged" else None
            reports.append(
                (
                    pk,
                    agreement.partner_id,
                    month,
                    status,
                    agreement.currency,
                    due,
                    total,
                    previous,
                    submitted,
                    rng.choice(user_ids) if submitted else None,
                    acknowledged,
                    rng.choice(user_ids) if acknowledged else None,
                    moment(first_of_month(due)),
                    now,
                )
            )
            previous = total if status != "due" else None
    copy_rows(
        LicenseReport,
        [
            "id",
            "partner_id",
            "month",
            "status",
            "currency",
            "due_on",
            "total",
            "previous_total",
            "submitted_at",
            "submitted_by_id",
            "acknowledged_at",
            "acknowledged_by_id",
            "created_at",
            "updated_at",
        ],
        reports,
        ctx,
    )
    copy_rows(
        LicenseReportLine,
        ["id", "report_id", "product", "unit", "quantity", "unit_price", "currency", "term", "line_total"],
        lines,
        ctx,
    )
    reset_sequences(LicenseReport, LicenseReportLine)


def seed_commissions(ctx: Context) -> None:
    """Issue 18: commission agreements for some resellers and three years of commissions in every
    status, each with the history rows its way owed -> invoiced -> paid leaves (the history page)."""
    from funds.models import Commission, CommissionAgreement

    today, user_ids = ctx.today, [u.pk for u in ctx.users]
    HistoricalCommission = Commission.history.model  # noqa: N806
    resellers = ctx.partner_ids[-max(1, ctx.n(300)) :]
    agreements = [
        CommissionAgreement(
            partner_id=partner_id,
            kind="percentage",
            percent=Decimal(rng.choice([5, 8, 10])),
            currency="CHF",
            valid_from=today - timedelta(days=4 * 365),
            payment_days=30,
        )
        for partner_id in resellers
    ]
    bulk(CommissionAgreement, agreements, ctx)
    agreement_ids = dict(CommissionAgreement.objects.filter(partner_id__in=resellers).values_list("partner_id", "pk"))
    commissions, steps = [], []
    for index in range(ctx.n(6_000)):
        partner_id = rng.choice(resellers)
        won = today - timedelta(days=rng.randint(0, 3 * 365))
        due = won + timedelta(days=30)
        status = "owed" if won > today - timedelta(days=40) else rng.choice(["owed", "invoiced", "paid", "paid", "paid"])
        invoiced = won + timedelta(days=rng.randint(3, 25)) if status != "owed" else None
        paid = invoiced + timedelta(days=rng.randint(5, 40)) if status == "paid" and invoiced else None
        if paid and paid > today:
            paid, status = None, "invoiced"
        if invoiced and invoiced > today:
            invoiced, status = None, "owed"
        commissions.append(
            Commission(
                agreement_id=agreement_ids[partner_id],
                partner_id=partner_id,
                deal_title=f"{rng.choice(CUSTOMERS)} platform {index}",
                amount=Decimal(rng.randint(5, 400) * 100),
                currency=rng.choice(["CHF", "CHF", "EUR"]),
                due_on=due,
                status=status,
                partner_invoice_number=f"R-{index:05d}" if invoiced else "",
                invoiced_on=invoiced,
                paid_on=paid,
            )
        )
        steps.append(
            [("owed", won, None)]
            + ([("invoiced", invoiced, None)] if invoiced else [])
            + ([("paid", paid, None)] if paid else [])
        )
    bulk(Commission, commissions, ctx)
    history = []
    saved = Commission.objects.filter(partner_id__in=resellers).order_by("pk")
    for commission, way in zip(saved, steps, strict=True):
        for position, (status, day, _) in enumerate(way):
            history.append(
                HistoricalCommission(
                    id=commission.pk,
                    agreement_id=commission.agreement_id,
                    partner_id=commission.partner_id,
                    deal_title=commission.deal_title,
                    amount=commission.amount,
                    currency=commission.currency,
                    due_on=commission.due_on,
                    status=status,
                    partner_invoice_number=commission.partner_invoice_number if status != "owed" else "",
                    invoiced_on=commission.invoiced_on if status != "owed" else None,
                    paid_on=commission.paid_on if status == "paid" else None,
                    deal_reversed=False,
                    created_at=commission.created_at,
                    history_date=moment(day, 9 + position),
                    history_type="+" if position == 0 else "~",
                    history_user_id=rng.choice(user_ids),
                )
            )
    bulk(HistoricalCommission, history, ctx, label="funds.HistoricalCommission")


def seed_all(scale: float, today: date) -> Context:
    ctx = Context(scale=scale, today=today)
    for step in [seed_users, seed_partners, seed_activities, seed_certifications, seed_funds, seed_reporting, seed_commissions]:
        started = time.monotonic()
        step(ctx)
        print(f"  seeded {step.__name__.removeprefix('seed_'):<15} in {time.monotonic() - started:6.1f}s", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return ctx

"""Demo catalog: vendor and cloud certifications, program levels with requirements, VSHNeers' holdings.

Red Hat Premier is at risk within 90 days (an EX280 expires in 30 days), and there is a holding due
for every certification_expiring threshold (90, 30, 7 and 0 days).
"""

from datetime import date, timedelta

from django.contrib.auth.models import User

from partnerhub.demo import demo_seeder
from partners.models import Partner

from .models import Certification, Holding, LevelRequirement, PartnerProgramStatus, ProgramLevel
from .services import compliance_refresh

CATALOG = [
    # partner, code, name, validity months, link
    (
        "Red Hat",
        "EX200",
        "Red Hat Certified System Administrator (EX200)",
        36,
        "https://www.redhat.com/en/services/certification/rhcsa",
    ),
    ("Red Hat", "EX294", "Red Hat Certified Engineer (EX294)", 36, "https://www.redhat.com/en/services/certification/rhce"),
    (
        "Red Hat",
        "EX280",
        "Red Hat Certified Specialist in OpenShift Administration (EX280)",
        36,
        "https://www.redhat.com/en/services/training/red-hat-certified-openshift-administrator-exam",
    ),
    ("Red Hat", "EX188", "Red Hat Certified Specialist in Containers (EX188)", 36, ""),
    (
        "Amazon Web Services",
        "SAA-C03",
        "AWS Certified Solutions Architect – Associate",
        36,
        "https://aws.amazon.com/certification/certified-solutions-architect-associate/",
    ),
    (
        "Amazon Web Services",
        "SOA-C02",
        "AWS Certified SysOps Administrator – Associate",
        36,
        "https://aws.amazon.com/certification/certified-sysops-admin-associate/",
    ),
    (
        "Amazon Web Services",
        "CLF-C02",
        "AWS Certified Cloud Practitioner",
        36,
        "https://aws.amazon.com/certification/certified-cloud-practitioner/",
    ),
    ("SUSE", "SCA-RANCHER", "SUSE Certified Administrator in Rancher", 36, "https://www.suse.com/training/exam/"),
    (
        "SUSE",
        "CKA",
        "Certified Kubernetes Administrator (CKA)",
        24,
        "https://training.linuxfoundation.org/certification/certified-kubernetes-administrator-cka/",
    ),
    ("Exoscale", "EXO-SKS", "Exoscale SKS Kubernetes Specialist", None, ""),
    ("Exoscale", "EXO-CLOUD", "Exoscale Cloud Practitioner", 24, ""),
    ("Upbound", "UCCA", "Upbound Certified Crossplane Associate", 24, "https://www.upbound.io/certification"),
    (
        "Microsoft",
        "AZ-104",
        "Microsoft Certified: Azure Administrator Associate (AZ-104)",
        12,
        "https://learn.microsoft.com/credentials/certifications/azure-administrator/",
    ),
    (
        "Microsoft",
        "AZ-305",
        "Microsoft Certified: Azure Solutions Architect Expert (AZ-305)",
        12,
        "https://learn.microsoft.com/credentials/certifications/azure-solutions-architect/",
    ),
    (
        "Microsoft",
        "AZ-400",
        "Microsoft Certified: DevOps Engineer Expert (AZ-400)",
        12,
        "https://learn.microsoft.com/credentials/certifications/devops-engineer/",
    ),
]

LEVELS = [
    # partner, level, rank, requirements: (min holders, codes, description)
    (
        "Red Hat",
        "Advanced",
        1,
        [(2, ["EX280"], "2 valid holders of EX280"), (2, ["EX200", "EX294"], "2 valid holders of RHCSA or RHCE")],
    ),
    (
        "Red Hat",
        "Premier",
        2,
        [(3, ["EX280"], "3 valid holders of EX280"), (4, ["EX200", "EX294"], "4 valid holders of RHCSA or RHCE")],
    ),
    ("Amazon Web Services", "Select Tier", 1, [(2, ["SAA-C03", "SOA-C02"], "2 AWS associate-level certified people")]),
    ("Amazon Web Services", "Advanced Tier", 2, [(4, ["SAA-C03", "SOA-C02"], "4 AWS associate-level certified people")]),
    (
        "SUSE",
        "Gold",
        1,
        [(1, ["SCA-RANCHER"], "1 SUSE Rancher administrator"), (1, ["CKA"], "1 Certified Kubernetes Administrator")],
    ),
    ("Exoscale", "Strategic Partner", 1, [(2, ["EXO-SKS"], "2 SKS specialists")]),
    (
        "Microsoft",
        "Solutions Partner for Infrastructure (Azure)",
        1,
        [(2, ["AZ-104"], "2 Azure Administrator Associates"), (1, ["AZ-305"], "1 Azure Solutions Architect Expert")],
    ),
]

STATUSES = [
    # partner, held, target
    ("Red Hat", "Premier", None),
    ("Amazon Web Services", "Select Tier", "Advanced Tier"),
    ("SUSE", "Gold", None),
    ("Exoscale", "Strategic Partner", None),
    ("Microsoft", "Solutions Partner for Infrastructure (Azure)", None),
]

HOLDINGS = [
    # user, partner, code, obtained (days ago), expires (days from today; None = the catalog's validity)
    ("engineer", "Red Hat", "EX280", 1065, 30),  # due "30d"; puts Red Hat Premier at risk
    ("manager", "Red Hat", "EX280", 400, None),
    ("admin", "Red Hat", "EX280", 300, None),
    ("engineer", "Red Hat", "EX200", 200, None),
    ("manager", "Red Hat", "EX294", 500, None),
    ("admin", "Red Hat", "EX200", 100, None),
    ("sales", "Red Hat", "EX200", 700, None),
    ("engineer", "Red Hat", "EX188", 1095, 0),  # due "0d": expires today
    ("engineer", "Amazon Web Services", "SAA-C03", 150, None),
    ("admin", "Amazon Web Services", "SOA-C02", 600, None),
    ("sales", "Amazon Web Services", "CLF-C02", 1005, 90),  # due "90d"
    ("marketing", "Amazon Web Services", "CLF-C02", 1088, 7),  # due "7d"
    ("engineer", "SUSE", "SCA-RANCHER", 250, None),
    ("engineer", "SUSE", "CKA", 300, None),
    ("manager", "SUSE", "CKA", 600, None),
    ("engineer", "Exoscale", "EXO-SKS", 400, None),
    ("admin", "Exoscale", "EXO-SKS", 90, None),
    ("engineer", "Upbound", "UCCA", 60, None),
    ("engineer", "Microsoft", "AZ-104", 200, None),
    ("admin", "Microsoft", "AZ-104", 100, None),
    ("manager", "Microsoft", "AZ-305", 120, None),
    ("engineer", "Microsoft", "AZ-400", 90, None),
]


@demo_seeder(order=30)
def seed_certifications(today: date, users: dict[str, User]) -> None:
    partners = {p.name: p for p in Partner.objects.filter(name__in={row[0] for row in CATALOG})}
    certs: dict[tuple[str, str], Certification] = {}
    for partner_name, code, name, validity, url in CATALOG:
        if partner_name not in partners:
            continue
        certs[(partner_name, code)], _ = Certification.objects.get_or_create(
            partner=partners[partner_name], code=code, defaults={"name": name, "validity_months": validity, "url": url}
        )
    levels: dict[tuple[str, str], ProgramLevel] = {}
    for partner_name, level_name, rank, requirements in LEVELS:
        if partner_name not in partners:
            continue
        level, _ = ProgramLevel.objects.get_or_create(partner=partners[partner_name], name=level_name, defaults={"rank": rank})
        levels[(partner_name, level_name)] = level
        for min_holders, codes, description in requirements:
            requirement, created = LevelRequirement.objects.get_or_create(
                level=level, description=description, defaults={"min_holders": min_holders}
            )
            if created:
                requirement.certifications.set([certs[(partner_name, code)] for code in codes])
    for partner_name, held, target in STATUSES:
        if partner_name not in partners:
            continue
        PartnerProgramStatus.objects.get_or_create(
            partner=partners[partner_name],
            defaults={
                "held_level": levels.get((partner_name, held)),
                "target_level": levels.get((partner_name, target)) if target else None,
            },
        )
    for username, partner_name, code, obtained_days_ago, expires_in in HOLDINGS:
        cert = certs.get((partner_name, code))
        if cert is None or Holding.objects.filter(holder=users[username], certification=cert).exists():
            continue  # idempotent, also on a later day when the relative dates have moved
        obtained = today - timedelta(days=obtained_days_ago)
        Holding.objects.create(
            holder=users[username],
            certification=cert,
            obtained_on=obtained,
            expires_on=today + timedelta(days=expires_in) if expires_in is not None else cert.default_expiry(obtained),
            credential_id=f"{code}-{username.upper()}-{obtained:%y%m}",
        )
    # Holdings are created directly above (not through holding_save): store the compliance once.
    compliance_refresh(today=today)

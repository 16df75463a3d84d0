"""URL coverage: every URL of the project is in a permission matrix, checked for every persona.

`MATRIX` names, per URL name, how to build its arguments from the demo data, which personas may
GET and POST it (docs/design.md's role table and what each view enforces), and which methods the view
refuses (405). The suite fails when a URL is added without an entry, or an entry outlives its URL.

Per (URL, persona) and method:
- anonymous is sent to the login page (except the public login, /healthz and the ICS feed);
- a persona without the right gets 403 — on POST with an empty body before any validation, and the
  database is unchanged;
- a persona with the right never gets 403, 405 or a 5xx.

The demo data (`partnerhub.demo.run_all`) is seeded once for this module inside a transaction that
is rolled back at the end; each test runs in its own savepoint on top of it (as Django's
`TestCase.setUpTestData` does).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

PDF = b"%PDF-1.4\n% test document\n"

PERSONAS = ("anonymous", "manager", "sales", "marketing", "accounting", "outsider", "admin")
# The demo users of partnerhub.demo: "engineer" is a VSHNeer without a role.
DEMO_USERNAME = {
    "manager": "manager",
    "sales": "sales",
    "marketing": "marketing",
    "accounting": "accounting",
    "outsider": "engineer",
    "admin": "admin",
}

# docs/design.md's role table, as sets of personas (admin may do everything).
SIGNED_IN = frozenset(DEMO_USERNAME)
EVERYONE = SIGNED_IN | {"anonymous"}
PARTNERS = frozenset({"manager", "admin"})  # partners, contracts, risk; program levels; VSHN invoices for claims
CONTACTS = frozenset({"manager", "sales", "marketing", "admin"})
ACTIVITIES = CONTACTS  # log activities, joint plans
DEALS = frozenset({"manager", "sales", "admin"})
CAMPAIGNS = frozenset({"manager", "marketing", "admin"})  # campaigns, fund allocations and claims
ACCOUNTING = frozenset({"manager", "accounting", "admin"})  # invoices paid, license reports
ALL_CERTIFICATIONS = frozenset({"manager", "admin"})  # everyone's certifications, the CSV import
HOLDER = frozenset({"outsider", "manager", "admin"})  # the holding used below belongs to the outsider
FOLLOW_UP_CLOSERS = frozenset({"sales", "manager", "admin"})  # the activity's author (sales) or a partner manager
TASKS = ACTIVITIES  # create tasks (manage_tasks: partner managers, sales, marketing)
TASK_CHANGERS = FOLLOW_UP_CLOSERS  # the task's assignee (sales), its creator (manager) or a partner manager

WRONG_METHOD = "405"  # the view refuses this method (for everyone signed in)
NOT_TRIED = None  # a read-only page that ignores the method (e.g. a list answering POST like GET)

Access = frozenset | str | None


@dataclass(frozen=True)
class Entry:
    kwargs: Callable[[Demo, User], dict]
    get: Access
    post: Access = NOT_TRIED
    public: bool = False  # anonymous is allowed like a signed-in user
    get_ok: tuple[int, ...] = (200,)  # what an allowed GET answers


class Demo:
    """Looks up (and, where the demo data has none, creates) the objects the URLs point at."""

    def __init__(self, users: dict[str, User]):
        self.users = users

    def partner(self):
        from partners.models import Partner

        return Partner.objects.filter(archived=False, contracts__isnull=False, contacts__isnull=False).order_by("name").first()

    def contact(self):
        return self.partner().contacts.order_by("pk").first()

    def contract(self):
        return self.partner().contracts.order_by("pk").first()

    def contract_with_document(self):
        contract = self.contract()
        contract.document.save("contract.pdf", ContentFile(PDF), save=True)
        return contract

    def collateral(self):
        from partners.models import Collateral

        item = Collateral(partner=self.partner(), kind="fact_sheet", title="Fact sheet", made_by_vshn=True)
        item.file.save("fact-sheet.pdf", ContentFile(PDF), save=True)
        return item

    def team_member(self):
        from partners.models import PartnerTeamMember

        return PartnerTeamMember.objects.get_or_create(partner=self.partner(), user=self.users["sales"], role="technical")[0]

    def onboarding_step(self):
        """An open step of the demo's running onboarding (Upbound), owned by the sales persona."""
        from partners.models import OnboardingStep

        return (
            OnboardingStep.objects.select_related("onboarding__partner")
            .filter(owner=self.users["sales"], done_at__isnull=True, onboarding__ended_on__isnull=True)
            .order_by("pk")
            .first()
        )

    def onboarding_track(self):
        from partners.models import OnboardingTrack

        return OnboardingTrack.objects.filter(is_current=True, steps__isnull=False).order_by("pk").first()

    def activity(self):
        from activities.models import Activity

        return Activity.objects.filter(author=self.users["sales"]).order_by("pk").first()

    def task(self):
        """An open demo task of the sales persona that the manager created (activities/demo.py)."""
        from activities.models import Task

        return (
            Task.objects.filter(assignee=self.users["sales"], created_by=self.users["manager"], done_at__isnull=True)
            .order_by("pk")
            .first()
        )

    def opportunity(self):
        from activities.models import Opportunity

        return Opportunity.objects.order_by("pk").first()

    def registration(self):
        from activities.models import DealRegistration

        return DealRegistration.objects.order_by("pk").first()

    def campaign(self):
        from activities.models import Campaign

        return Campaign.objects.order_by("pk").first()

    def commission(self):
        from funds.models import Commission

        return Commission.objects.order_by("pk").first()

    def commission_agreement(self):
        from funds.models import CommissionAgreement

        return CommissionAgreement.objects.order_by("pk").first()

    def review(self):
        from reporting.models import QuarterlyReview

        return QuarterlyReview.objects.select_related("partner").order_by("pk").first()

    def initiative(self):
        from activities.models import JointPlanInitiative

        return JointPlanInitiative.objects.select_related("plan__partner").order_by("pk").first()

    def holding(self):
        from certifications.models import Holding

        return Holding.objects.filter(holder=self.users["engineer"]).order_by("pk").first()

    def holding_with_certificate(self):
        holding = self.holding()
        holding.certificate.save("certificate.pdf", ContentFile(PDF), save=True)
        return holding

    def allocation(self):
        from funds.models import FundAllocation

        return FundAllocation.objects.order_by("pk").first()

    def draft_claim(self):
        from funds.models import FundClaim

        return FundClaim.objects.filter(status=FundClaim.Status.DRAFT).order_by("pk").first()

    def proof(self):
        from funds.models import ProofDocument

        document = ProofDocument(claim=self.draft_claim(), description="proof", uploaded_by=self.users["marketing"])
        document.file.save("proof.pdf", ContentFile(PDF), save=True)
        return document

    def invoice(self):
        from funds.models import Invoice

        return Invoice.objects.filter(paid_on__isnull=True).order_by("pk").first()

    def report_with_lines(self):
        from reporting.models import LicenseReport

        return (
            LicenseReport.objects.filter(status__in=LicenseReport.EDITABLE_STATUSES, lines__isnull=False).order_by("pk").first()
        )

    def notification_for(self, user):
        from partnerhub.models import Notification

        return Notification.objects.create(recipient=user or self.users["manager"], kind="test", title="Hello", url="/")

    def feed_token(self, user):
        from reporting.services import calendar_token_reset

        return calendar_token_reset(user=user or self.users["manager"]).token


def _plan(demo: Demo, user) -> dict:
    initiative = demo.initiative()
    return {"slug": initiative.plan.partner.slug, "quarter": initiative.plan.quarter}


def _line(demo: Demo, user) -> dict:
    report = demo.report_with_lines()
    return {"pk": report.pk, "line_pk": report.lines.order_by("pk").first().pk}


def _panel(demo: Demo, user) -> dict:
    from partnerhub.attention import ATTENTION_PROVIDERS

    return {"name": sorted(ATTENTION_PROVIDERS)[0]}


def _section(demo: Demo, user) -> dict:
    from partners.sections import ordered_sections

    return {"slug": demo.partner().slug, "key": ordered_sections()[0].key}


def _history(demo: Demo, user) -> dict:
    registration = demo.registration()
    return {"app_label": "activities", "model_name": "dealregistration", "pk": registration.pk}


def _onboarding_step(demo: Demo, user) -> dict:
    step = demo.onboarding_step()
    return {"slug": step.onboarding.partner.slug, "pk": step.pk}


def _track_step(demo: Demo, user) -> dict:
    track = demo.onboarding_track()
    return {"pk": track.pk, "step_pk": track.steps.order_by("pk").first().pk}


def NONE(demo, user):  # noqa: N802 - reads as "no arguments" in the matrix
    return {}


def slug(demo, user):
    return {"slug": demo.partner().slug}


def pk_of(getter: str) -> Callable[[Demo, User], dict]:
    return lambda demo, user: {"pk": getattr(demo, getter)().pk}


def slug_pk(getter: str) -> Callable[[Demo, User], dict]:
    return lambda demo, user: {"slug": demo.partner().slug, "pk": getattr(demo, getter)().pk}


MATRIX: dict[str, Entry] = {
    # --- partnerhub ---
    "home": Entry(NONE, SIGNED_IN),
    "healthz": Entry(NONE, EVERYONE, post=WRONG_METHOD, public=True),
    "login": Entry(NONE, EVERYONE, post=EVERYONE, public=True, get_ok=(200, 302)),
    "logout": Entry(NONE, WRONG_METHOD, post=SIGNED_IN),
    "notifications": Entry(NONE, SIGNED_IN),
    "notification-open": Entry(lambda demo, user: {"pk": demo.notification_for(user).pk}, WRONG_METHOD, post=SIGNED_IN),
    "notifications-read-all": Entry(NONE, WRONG_METHOD, post=SIGNED_IN),
    "notification-settings": Entry(NONE, SIGNED_IN, post=SIGNED_IN),
    "history": Entry(_history, SIGNED_IN, post=WRONG_METHOD),
    # --- partners ---
    "partners:list": Entry(NONE, SIGNED_IN),
    "partners:create": Entry(NONE, PARTNERS, post=PARTNERS),
    "partners:contacts": Entry(NONE, SIGNED_IN),
    "partners:detail": Entry(slug, SIGNED_IN),
    "partners:edit": Entry(slug, PARTNERS, post=PARTNERS),
    "partners:section": Entry(_section, SIGNED_IN),
    "partners:archive": Entry(slug, WRONG_METHOD, post=PARTNERS),
    "partners:partner-contacts": Entry(slug, SIGNED_IN),
    "partners:contact-create": Entry(slug, CONTACTS, post=CONTACTS),
    "partners:contact-edit": Entry(slug_pk("contact"), CONTACTS, post=CONTACTS),
    "partners:contract-create": Entry(slug, PARTNERS, post=PARTNERS),
    "partners:contract-edit": Entry(slug_pk("contract"), PARTNERS, post=PARTNERS),
    "partners:risk-create": Entry(slug, PARTNERS, post=PARTNERS),
    "partners:contract-document": Entry(slug_pk("contract_with_document"), SIGNED_IN),
    "partners:collateral": Entry(NONE, SIGNED_IN),
    "partners:collateral-create": Entry(slug, ACTIVITIES, post=ACTIVITIES),
    "partners:collateral-file": Entry(slug_pk("collateral"), SIGNED_IN),
    "partners:collateral-brand-check": Entry(slug_pk("collateral"), WRONG_METHOD, post=CAMPAIGNS),
    "partners:team": Entry(slug, SIGNED_IN, post=PARTNERS),
    "partners:team-remove": Entry(slug_pk("team_member"), WRONG_METHOD, post=PARTNERS),
    "partners:onboarding-tracks": Entry(NONE, SIGNED_IN),
    "partners:onboarding-track-create": Entry(NONE, PARTNERS, post=PARTNERS),
    "partners:onboarding-track": Entry(pk_of("onboarding_track"), SIGNED_IN),
    "partners:onboarding-step-template-create": Entry(pk_of("onboarding_track"), PARTNERS, post=PARTNERS),
    "partners:onboarding-step-template-edit": Entry(_track_step, PARTNERS, post=PARTNERS),
    "partners:onboarding-step-template-delete": Entry(_track_step, WRONG_METHOD, post=PARTNERS),
    "partners:onboarding-start": Entry(slug, PARTNERS, post=PARTNERS),
    "partners:onboarding-finish": Entry(slug, WRONG_METHOD, post=PARTNERS),
    "partners:onboarding-step-edit": Entry(_onboarding_step, PARTNERS, post=PARTNERS),
    "partners:onboarding-step-done": Entry(
        _onboarding_step, WRONG_METHOD, post=FOLLOW_UP_CLOSERS
    ),  # owner (sales) or a partner manager
    # --- activities ---
    "activities:feed": Entry(NONE, SIGNED_IN),
    "activities:create": Entry(NONE, ACTIVITIES, post=ACTIVITIES),
    "activities:edit": Entry(pk_of("activity"), ACTIVITIES, post=ACTIVITIES),
    "activities:follow-up-done": Entry(pk_of("activity"), WRONG_METHOD, post=FOLLOW_UP_CLOSERS),
    "activities:follow-ups": Entry(NONE, SIGNED_IN),
    "activities:sync-meetings": Entry(NONE, SIGNED_IN),
    "activities:tasks": Entry(NONE, SIGNED_IN),
    "activities:tasks-mine": Entry(NONE, SIGNED_IN),
    "activities:task-create": Entry(NONE, TASKS, post=TASKS),
    "activities:task": Entry(pk_of("task"), SIGNED_IN, post=TASK_CHANGERS),  # read-only for the others
    "activities:task-done": Entry(pk_of("task"), WRONG_METHOD, post=TASK_CHANGERS),
    "activities:task-reopen": Entry(pk_of("task"), WRONG_METHOD, post=TASK_CHANGERS),
    "activities:task-reassign": Entry(pk_of("task"), WRONG_METHOD, post=TASK_CHANGERS),
    "activities:people": Entry(NONE, SIGNED_IN),  # @mention suggestions (JSON)
    "activities:timeline": Entry(slug, SIGNED_IN),
    "activities:quick-log": Entry(slug, WRONG_METHOD, post=ACTIVITIES),
    "activities:opportunities": Entry(NONE, SIGNED_IN),
    "activities:opportunity-create": Entry(NONE, DEALS, post=DEALS),
    "activities:opportunity-edit": Entry(pk_of("opportunity"), DEALS, post=DEALS),
    "activities:registrations": Entry(NONE, SIGNED_IN),
    "activities:registrations-expiring": Entry(NONE, SIGNED_IN),
    "activities:registration-create": Entry(NONE, DEALS, post=DEALS),
    "activities:registration-edit": Entry(pk_of("registration"), DEALS, post=DEALS),
    "activities:registration-transition": Entry(pk_of("registration"), WRONG_METHOD, post=DEALS),
    "activities:campaigns": Entry(NONE, SIGNED_IN),
    "activities:campaign-calendar": Entry(NONE, SIGNED_IN),
    "activities:campaign-create": Entry(NONE, CAMPAIGNS, post=CAMPAIGNS),
    "activities:campaign-edit": Entry(pk_of("campaign"), SIGNED_IN, post=CAMPAIGNS),  # read-only page for the others
    "activities:campaign-brand-check": Entry(pk_of("campaign"), WRONG_METHOD, post=CAMPAIGNS),
    "activities:plans": Entry(NONE, SIGNED_IN),
    "activities:plan": Entry(_plan, SIGNED_IN),
    "activities:plan-save": Entry(_plan, WRONG_METHOD, post=ACTIVITIES),
    "activities:initiative-create": Entry(_plan, ACTIVITIES, post=ACTIVITIES),
    "activities:initiative-edit": Entry(pk_of("initiative"), ACTIVITIES, post=ACTIVITIES),
    # --- certifications ---
    "certifications:overview": Entry(NONE, SIGNED_IN),
    "certifications:catalog": Entry(NONE, SIGNED_IN),
    "certifications:holdings": Entry(NONE, SIGNED_IN),
    "certifications:mine": Entry(NONE, SIGNED_IN),
    "certifications:holding-create": Entry(NONE, SIGNED_IN, post=SIGNED_IN),  # everyone records their own
    "certifications:import": Entry(NONE, ALL_CERTIFICATIONS, post=ALL_CERTIFICATIONS),
    "certifications:holding-edit": Entry(pk_of("holding"), HOLDER, post=HOLDER),
    "certifications:holding-delete": Entry(pk_of("holding"), WRONG_METHOD, post=HOLDER),
    "certifications:holding-certificate": Entry(pk_of("holding_with_certificate"), HOLDER),
    "certifications:program-status-edit": Entry(slug, PARTNERS, post=PARTNERS),
    # --- funds ---
    "funds:allocations": Entry(NONE, SIGNED_IN),
    "funds:allocation-create": Entry(NONE, CAMPAIGNS, post=CAMPAIGNS),
    "funds:allocation-detail": Entry(pk_of("allocation"), SIGNED_IN),
    "funds:allocation-edit": Entry(pk_of("allocation"), CAMPAIGNS, post=CAMPAIGNS),
    "funds:claims": Entry(NONE, SIGNED_IN),
    "funds:claim-create": Entry(NONE, CAMPAIGNS, post=CAMPAIGNS),
    "funds:claim-detail": Entry(pk_of("draft_claim"), SIGNED_IN),
    "funds:claim-edit": Entry(pk_of("draft_claim"), CAMPAIGNS, post=CAMPAIGNS),
    "funds:claim-submit": Entry(pk_of("draft_claim"), WRONG_METHOD, post=CAMPAIGNS),
    "funds:claim-approve": Entry(pk_of("draft_claim"), WRONG_METHOD, post=CAMPAIGNS),
    "funds:claim-reject": Entry(pk_of("draft_claim"), WRONG_METHOD, post=CAMPAIGNS),
    "funds:claim-checklist": Entry(pk_of("draft_claim"), WRONG_METHOD, post=CAMPAIGNS),
    "funds:claim-proof-upload": Entry(pk_of("draft_claim"), WRONG_METHOD, post=CAMPAIGNS),
    "funds:claim-submit-proof": Entry(pk_of("draft_claim"), WRONG_METHOD, post=CAMPAIGNS),
    "funds:claim-invoice": Entry(pk_of("draft_claim"), WRONG_METHOD, post=PARTNERS),
    "funds:proof-download": Entry(pk_of("proof"), SIGNED_IN),
    "funds:invoices": Entry(NONE, SIGNED_IN),
    "funds:invoice-paid": Entry(pk_of("invoice"), WRONG_METHOD, post=ACCOUNTING),
    "funds:accounting": Entry(NONE, SIGNED_IN),
    # --- reporting ---
    "reporting:attention-panel": Entry(_panel, SIGNED_IN),
    "reporting:inbox": Entry(NONE, SIGNED_IN),
    "reporting:inbox-count": Entry(NONE, SIGNED_IN),
    "reporting:inbox-snooze": Entry(NONE, WRONG_METHOD, post=SIGNED_IN),  # own inbox only
    "reporting:inbox-unsnooze": Entry(NONE, WRONG_METHOD, post=SIGNED_IN),
    "reporting:search": Entry(NONE, SIGNED_IN),
    "reporting:reports": Entry(NONE, SIGNED_IN),
    "reporting:report-create": Entry(NONE, ACCOUNTING, post=ACCOUNTING),
    "reporting:report-detail": Entry(pk_of("report_with_lines"), SIGNED_IN),
    "reporting:line-add": Entry(pk_of("report_with_lines"), WRONG_METHOD, post=ACCOUNTING),
    "reporting:line-edit": Entry(_line, ACCOUNTING, post=ACCOUNTING),
    "reporting:line-delete": Entry(_line, WRONG_METHOD, post=ACCOUNTING),
    "reporting:report-submit": Entry(pk_of("report_with_lines"), WRONG_METHOD, post=ACCOUNTING),
    "reporting:report-acknowledge": Entry(pk_of("report_with_lines"), WRONG_METHOD, post=ACCOUNTING),
    "reporting:report-copy-previous": Entry(pk_of("report_with_lines"), WRONG_METHOD, post=ACCOUNTING),
    "reporting:agreement-edit": Entry(slug, ACCOUNTING, post=ACCOUNTING),
    "reporting:health": Entry(NONE, SIGNED_IN),
    "reporting:health-refresh": Entry(NONE, WRONG_METHOD, post=PARTNERS),
    "reporting:overview": Entry(NONE, SIGNED_IN),
    "funds:commissions": Entry(NONE, SIGNED_IN),
    "funds:commission-history": Entry(NONE, ACCOUNTING),
    "funds:commission-invoiced": Entry(pk_of("commission"), WRONG_METHOD, post=ACCOUNTING),
    "funds:commission-paid": Entry(pk_of("commission"), WRONG_METHOD, post=ACCOUNTING),
    "funds:commission-agreement-create": Entry(NONE, PARTNERS, post=PARTNERS),
    "funds:commission-agreement-edit": Entry(pk_of("commission_agreement"), PARTNERS, post=PARTNERS),
    "reporting:kpis": Entry(NONE, SIGNED_IN),
    "reporting:reviews": Entry(NONE, SIGNED_IN),
    "reporting:review": Entry(pk_of("review"), SIGNED_IN),
    "reporting:review-print": Entry(pk_of("review"), SIGNED_IN),
    "reporting:review-pdf": Entry(pk_of("review"), SIGNED_IN),
    "reporting:review-edit": Entry(pk_of("review"), PARTNERS, post=PARTNERS),
    "reporting:review-refresh": Entry(pk_of("review"), WRONG_METHOD, post=PARTNERS),
    "reporting:review-action-add": Entry(pk_of("review"), WRONG_METHOD, post=ACTIVITIES),
    # A quarter without a review: the create form (partner managers create; everyone reads).
    "reporting:review-for": Entry(
        lambda demo, user: {"slug": demo.review().partner.slug, "quarter": "2020-Q1"}, SIGNED_IN, post=PARTNERS
    ),
    "reporting:calendar": Entry(NONE, SIGNED_IN, post=WRONG_METHOD),
    "reporting:calendar-reset": Entry(NONE, WRONG_METHOD, post=SIGNED_IN),
    "reporting:calendar-feed": Entry(
        lambda demo, user: {"token": demo.feed_token(user)}, EVERYONE, post=WRONG_METHOD, public=True
    ),
}

# Company sign-in endpoints exist only when OIDC_ENABLED; they are the sign-in, so they are public.
OIDC_MATRIX: dict[str, Entry] = {
    "oidc_authentication_init": Entry(NONE, NOT_TRIED, public=True),
    "oidc_authentication_callback": Entry(NONE, NOT_TRIED, public=True),
    "oidc_logout": Entry(NONE, NOT_TRIED),
}

EXCLUDED_NAMESPACES = {"admin"}  # Django's admin has its own staff-only sign-in


def _walk(patterns, namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            yield from _walk(pattern.url_patterns, f"{namespace}:{inner}" if namespace and inner else inner or namespace)
        elif isinstance(pattern, URLPattern):
            yield pattern, (f"{namespace}:{pattern.name}" if namespace else pattern.name)


def project_url_names() -> set[str]:
    names = set()
    for pattern, name in _walk(get_resolver().url_patterns):
        if name and name.split(":")[0] in EXCLUDED_NAMESPACES:
            continue
        assert name, f"URL pattern {pattern.pattern} has no name: name it and add it to MATRIX"
        names.add(name)
    return names


def expected_matrix() -> dict[str, Entry]:
    return {**MATRIX, **(OIDC_MATRIX if settings.OIDC_ENABLED else {})}


def test_every_url_has_a_matrix_entry_and_every_entry_a_url():
    names = project_url_names()
    matrix = expected_matrix()
    missing = sorted(names - set(matrix))
    stale = sorted(set(matrix) - names)
    assert not missing, f"URLs without a permission-matrix entry in {__file__}: {missing}"
    assert not stale, f"Permission-matrix entries whose URL is gone: {stale}"
    assert len(names) >= 90  # the project's URLs, not an accidentally empty resolver


# --- the per-persona checks ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The demo data, seeded once for the module and rolled back after it."""
    from partnerhub.demo import run_all

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(DEBUG=True):
                users = run_all(timezone.localdate())
            for user in users.values():  # one session per persona, reused by every test (rolled back with the rest)
                client = Client()
                client.force_login(user, backend=settings.AUTHENTICATION_BACKENDS[-1])
                user.session_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            yield users
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _client(user: User | None) -> Client:
    """A client signed in as `user` with the session made once for the module (no sign-in per test)."""
    client = Client()
    if user is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = user.session_cookie
    return client


# The sign-in log records refused sign-ins on purpose (like django-axes' tables, skipped below).
SNAPSHOT_SKIP = {"sessions.session", "auth.permission", "contenttypes.contenttype", "admin.logentry", "partnerhub.signinevent"}


def database_snapshot() -> dict[str, list]:
    """Every row of every table (raw, unconverted): a forbidden write must leave all of them as they were."""
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.label_lower not in SNAPSHOT_SKIP and not model._meta.label_lower.startswith("axes.")
        }
    )
    snapshot = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")  # noqa: S608 - our own table names
            snapshot[table] = cursor.fetchall()
    return snapshot


CHECKS = {"count": 0}


def _check(url: str, persona: str, method: str, response, expected: str) -> str:
    return f"{method} {url} as {persona}: {response.status_code} (expected {expected})"


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and urlsplit(response.url).path == resolve_url(settings.LOGIN_URL)


PARAMS = [(name, persona) for name in sorted(MATRIX) for persona in PERSONAS]


@pytest.mark.parametrize(("url_name", "persona"), PARAMS)
def test_permission_matrix(url_name, persona, demo_data, db):
    entry = MATRIX[url_name]
    user = demo_data[DEMO_USERNAME[persona]] if persona != "anonymous" else None
    url = reverse(url_name, kwargs=entry.kwargs(Demo(demo_data), user))
    client = _client(user)

    for method, access in (("GET", entry.get), ("POST", entry.post)):
        if access is NOT_TRIED:
            continue
        CHECKS["count"] += 1
        send = client.get if method == "GET" else client.post
        if persona == "anonymous" and not entry.public:
            response = send(url)
            assert _is_login_redirect(response), _check(url, persona, method, response, "redirect to the login page")
            continue
        if access == WRONG_METHOD:
            response = send(url)
            assert response.status_code == 405, _check(url, persona, method, response, "405")
        elif persona in access:
            response = send(url)
            ok = entry.get_ok if method == "GET" else (200, 302)
            assert response.status_code in ok, _check(url, persona, method, response, f"one of {ok}")
        else:
            before = database_snapshot() if method == "POST" else None
            response = send(url)
            assert response.status_code == 403, _check(url, persona, method, response, "403")
            if before is not None:
                assert database_snapshot() == before, f"POST {url} as {persona} was refused but changed the database"


def test_report_the_number_of_checks(request, capsys):
    """Runs last in this module (pytest keeps file order): reports how many checks ran."""
    expected = sum(len(PERSONAS) for entry in MATRIX.values() for access in (entry.get, entry.post) if access is not NOT_TRIED)
    ran = CHECKS["count"]
    with capsys.disabled():
        print(
            f"\nURL coverage: {len(MATRIX)} URL names, {len(PARAMS)} (url, persona) pairs, "
            f"{ran} of {expected} (url, persona, method) checks ran"
        )
    selected = [item for item in request.session.items if getattr(item, "originalname", "") == "test_permission_matrix"]
    # Under pytest-xdist each worker runs only its share of the checks, so only a run in one process
    # (no "workerinput") can compare the count with the whole matrix.
    in_one_process = not hasattr(request.config, "workerinput")
    if in_one_process and len(selected) == len(PARAMS) and request.session.testsfailed == 0:
        assert ran == expected


# --- issue 14: control characters in any URL and query string, for every URL -----------------------------


@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_control_characters_in_any_url_or_query_string_are_a_400(url_name, demo_data, db):
    """A NUL (or another control character) in the path or the query string never reaches a view or the
    database (PostgreSQL refuses NUL: a 500 before), signed in or not."""
    entry = MATRIX[url_name]
    user = demo_data[DEMO_USERNAME["manager"]]
    url = reverse(url_name, kwargs=entry.kwargs(Demo(demo_data), user))
    for client in (_client(user), _client(None)):
        for method in (client.get, client.post):
            # /healthz is answered before anything else and reads nothing of the request but its path.
            queries = () if url_name == "healthz" else (f"{url}?partner=%00", f"{url}?month=%01", f"{url}?%00=1")
            for hostile in (f"{url}%00", *queries):
                response = method(hostile)
                assert response.status_code == 400, f"{method.__name__.upper()} {hostile}: {response.status_code}"

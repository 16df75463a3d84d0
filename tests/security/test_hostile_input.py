"""Hostile input: generated invalid and hostile values posted to every form of the project.

Every form view (and the list pages' filter forms, by GET) gets, as the role allowed to use it, a
valid baseline in which hypothesis replaces some fields with hostile values: empty, huge (100k
characters), wrong types and lists, impossible and far dates, negative and enormous numbers, NaN
and infinities, unicode (RTL, emoji, NUL), HTML/script payloads and SQL fragments. For each request:

- never a 5xx;
- a refusal (a form error, an error message, 4xx) leaves every table as it was — nothing half-saved;
- no redirect leads off-site (the `next` parameters);
- no payload comes back unescaped: not in the answer, and not on the page an accepted form
  redirects to (the value "shown again").

The number of hostile requests is printed at the end of the module (and checked when the whole
module ran). Runs on SQLite and PostgreSQL (PostgreSQL refuses NUL characters in text).
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from django import forms
from django.contrib.messages import constants as message_levels
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import ContextList
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .test_url_coverage import (
    DEMO_USERNAME,
    Demo,
    _client,
    database_snapshot,
    demo_data,  # noqa: F401 - the module-scoped demo data fixture
)

HUGE = "x" * 100_000
SCRIPT = '<script>alert("xss")</script>'
HOSTILE_CONSTANTS = [
    "",
    " ",
    "\r\n\t",
    # dates
    "0000-00-00",
    "9999-12-31",
    "2026-02-30",
    "0001-01-01",
    "2026-13-01",
    "31.12.2026",
    "9999-12",
    "0000-00",
    "2026-1",
    # numbers
    "1e308",
    "-1e308",
    "-99999999999999",
    "99999999999999999999999",
    "NaN",
    "Infinity",
    "-Infinity",
    "-1",
    "0",
    "0.001",
    "1,5",
    "١٢٣",
    "0x1F",
    "1_000",
    # wrong types
    "true",
    "None",
    "null",
    "[]",
    "{}",
    "on",
    # unicode
    "\x00",
    "a\x00b",
    "\u202egnp.exe\u202c",
    "مرحبا بالعالم",
    "😀" * 40,
    "\ufeff",
    "\u0301\u0301\u0301",
    "𝕏" * 300,
    # markup and injection
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
    "{{ 7|add:7 }}{% now 'Y' %}",
    "' OR 1=1 --",
    "'; DROP TABLE partners_partner; --",
    "1) UNION SELECT password FROM auth_user --",
    "%s%s%n%x",
    "../../../etc/passwd",
    "/\\evil.example",
    "//evil.example",
    HUGE,
    "<" * 5000,
    SCRIPT * 1000,
]
HOSTILE = st.one_of(
    st.sampled_from(HOSTILE_CONSTANTS),
    st.text(max_size=40),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.dates().map(date.isoformat),
    st.lists(st.sampled_from(HOSTILE_CONSTANTS[:40]), min_size=2, max_size=3),  # a list where one value is expected
)
# Markup that must never come back raw: our templates contain none of it, so any hit is user input unescaped.
RAW_PAYLOAD = re.compile(r"<script>alert\(|<img src=x onerror|<svg onload|href=\"\s*javascript:", re.I)

HYPOTHESIS = settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
COUNT = {"posts": 0, "gets": 0}


# --- the forms ---------------------------------------------------------------------------------------


def form_values(form: forms.BaseForm) -> dict:
    """What a browser posts for an unchanged form: the valid baseline."""
    data = {}
    for name, bound in ((name, form[name]) for name in form.fields):
        if isinstance(form.fields[name], forms.FileField):
            continue
        value = bound.value()
        if value is None or value is False:
            continue
        if value is True:
            data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif isinstance(value, date):
            data[name] = value.isoformat()
        else:
            data[name] = str(value)
    return data


@dataclass
class Target:
    persona: str  # "anonymous" or a key of DEMO_USERNAME
    url: str
    baseline: dict
    fields: list[str] = field(default_factory=list)  # fields to make hostile (default: the baseline's and the form's)
    headers: dict = field(default_factory=dict)
    upload: str | None = None  # a file field that gets a valid PDF in every post


def _form_target(persona, url, form, **overrides) -> Target:
    baseline = form_values(form)
    extra = overrides.pop("_fields", [])
    baseline.update(overrides)
    return Target(persona, url, baseline, fields=sorted(set(form.fields) | set(baseline) | set(extra)))


def _claim(status):
    from funds.models import FundClaim

    return FundClaim.objects.filter(status=status).order_by("pk").first()


def build_targets(demo: Demo) -> dict[str, Target]:
    from activities import forms as af
    from activities import services as activity_services
    from certifications import forms as cf
    from certifications.models import PartnerProgramStatus
    from funds import forms as ff
    from funds.models import FundClaim
    from partners import forms as pf
    from partners.models import SupplierRiskAssessment
    from reporting import forms as rf
    from reporting.models import ReportingAgreement

    partner, contact, contract = demo.partner(), demo.contact(), demo.contract()
    risk = SupplierRiskAssessment.objects.order_by("pk").first()
    activity, opportunity, registration = demo.activity(), demo.opportunity(), demo.registration()
    campaign, initiative, holding = demo.campaign(), demo.initiative(), demo.holding()
    plan_partner, quarter = initiative.plan.partner, initiative.plan.quarter
    status = PartnerProgramStatus.objects.select_related("partner").order_by("pk").first()
    allocation, draft = demo.allocation(), demo.draft_claim()
    S = FundClaim.Status
    submitted, approved, proof_submitted = _claim(S.SUBMITTED), _claim(S.APPROVED), _claim(S.PROOF_SUBMITTED)
    invoice = demo.invoice()
    report = demo.report_with_lines()
    line = report.lines.order_by("pk").first()
    agreement = ReportingAgreement.objects.select_related("partner").order_by("pk").first()
    from reporting.inbox import inbox_for, item_key

    snooze_key = item_key(inbox_for(demo.users["accounting"], timezone.localdate()).overdue[0])
    slug = partner.slug
    from partnerhub.forms import NotificationSettingsForm
    from partners.models import Onboarding, OnboardingStepTemplate, OnboardingTrack, PartnerTeamMember, PartnerType

    collateral, step, track = demo.collateral(), demo.onboarding_step(), demo.onboarding_track()
    step_template = track.steps.order_by("pk").first()
    untracked_type = PartnerType.objects.get_or_create(code="hostile-input", defaults={"name": "Hostile-input type"})[0]
    running = Onboarding.objects.filter(ended_on__isnull=True).values("partner")
    start_track = (
        OnboardingTrack.objects.filter(is_current=True, partner_type__partners__archived=False)
        .exclude(partner_type__partners__in=running)
        .order_by("pk")
        .first()
        or track
    )
    to_onboard = (
        start_track.partner_type.partners.filter(archived=False).exclude(pk__in=running).order_by("pk").first() or partner
    )
    settings_form = NotificationSettingsForm()
    settings_form.initial = {"immediate_kinds": [kind for kind, _label in settings_form.fields["immediate_kinds"].choices[:1]]}
    newcomer = next(user for user in demo.users.values() if not partner.team.filter(user=user).exists())
    new_member = PartnerTeamMember(user=newcomer, role=PartnerTeamMember.Role.MARKETING)
    from funds.commission_forms import CommissionAgreementForm
    from funds.models import Commission, CommissionAgreement
    from reporting.models import QuarterlyReview
    from reporting.review_forms import ReviewCreateForm, ReviewForm

    review = QuarterlyReview.objects.select_related("partner").order_by("pk").first()
    commission_agreement = CommissionAgreement.objects.select_related("partner").order_by("pk").first()
    commission = Commission.objects.filter(status="owed").order_by("pk").first()
    next_status = sorted(activity_services.ALLOWED_TRANSITIONS.get(registration.status, {"submitted"}))[0]
    from activities.models import Task

    task = demo.task()
    new_task = Task(partner=partner, assignee=demo.users["marketing"], due_on=timezone.localdate())

    return {
        # partners
        "partner create": _form_target(
            "manager", reverse("partners:create"), pf.PartnerForm(instance=partner), name="Hostile Partner AG"
        ),
        "partner edit": _form_target("manager", reverse("partners:edit", args=[slug]), pf.PartnerForm(instance=partner)),
        "partner archive": Target("manager", reverse("partners:archive", args=[slug]), {"archived": "0"}),
        "contact create": _form_target(
            "sales",
            reverse("partners:contact-create", args=[slug]),
            pf.ContactForm(instance=contact),
            email="hostile@example.com",
        ),
        "contact edit": _form_target(
            "marketing", reverse("partners:contact-edit", args=[slug, contact.pk]), pf.ContactForm(instance=contact)
        ),
        "contract create": _form_target(
            "manager",
            reverse("partners:contract-create", args=[slug]),
            pf.ContractForm(instance=contract),
            title="Hostile agreement",
        ),
        "contract edit": _form_target(
            "manager", reverse("partners:contract-edit", args=[slug, contract.pk]), pf.ContractForm(instance=contract)
        ),
        "risk assessment": _form_target(
            "manager", reverse("partners:risk-create", args=[risk.partner.slug]), pf.RiskAssessmentForm(instance=risk)
        ),
        # issue 17: the partner team, onboarding (tracks and a partner's steps), the collateral library
        "team member add": _form_target("manager", reverse("partners:team", args=[slug]), pf.TeamMemberForm(instance=new_member)),
        "onboarding track create": _form_target(
            "manager",
            reverse("partners:onboarding-track-create"),
            pf.OnboardingTrackForm(initial={"partner_type": untracked_type.pk}),
        ),
        "onboarding step template create": _form_target(
            "manager",
            reverse("partners:onboarding-step-template-create", args=[track.pk]),
            pf.OnboardingStepTemplateForm(instance=OnboardingStepTemplate(track=track)),
            title="Hostile step",
        ),
        "onboarding step template edit": _form_target(
            "manager",
            reverse("partners:onboarding-step-template-edit", args=[track.pk, step_template.pk]),
            pf.OnboardingStepTemplateForm(instance=step_template),
        ),
        "onboarding start": _form_target(
            "manager",
            reverse("partners:onboarding-start", args=[to_onboard.slug]),
            pf.OnboardingStartForm(partner=to_onboard, initial={"started_on": timezone.localdate()}),
            track=str(start_track.pk),
        ),
        "onboarding step edit": _form_target(
            "manager",
            reverse("partners:onboarding-step-edit", args=[step.onboarding.partner.slug, step.pk]),
            pf.OnboardingStepForm(instance=step),
        ),
        "onboarding step done": Target(
            "sales",
            reverse("partners:onboarding-step-done", args=[step.onboarding.partner.slug, step.pk]),
            {"next": "/partners/"},
            fields=["next", "reopen"],
        ),
        "collateral create": replace(
            _form_target(
                "marketing",
                reverse("partners:collateral-create", args=[slug]),
                pf.CollateralForm(instance=collateral),
                title="Hostile fact sheet",
            ),
            upload="file",
        ),
        "collateral brand check": Target(
            "marketing", reverse("partners:collateral-brand-check", args=[slug, collateral.pk]), {"next": "/partners/library/"}
        ),
        # activities
        "activity create": _form_target(
            "marketing", reverse("activities:create"), af.ActivityForm(instance=activity, partner=activity.partner)
        ),
        "activity edit": _form_target(
            "sales", reverse("activities:edit", args=[activity.pk]), af.ActivityForm(instance=activity, partner=activity.partner)
        ),
        "quick log (htmx)": Target(
            "sales",
            reverse("activities:quick-log", args=[activity.partner.slug]),
            form_values(af.QuickActivityForm(instance=activity)),
            fields=["kind", "occurred_on", "subject"],
            headers={"HTTP_HX_REQUEST": "true"},
        ),
        "quick log": _form_target(
            "manager", reverse("activities:quick-log", args=[activity.partner.slug]), af.QuickActivityForm(instance=activity)
        ),
        "follow-up done": Target("sales", reverse("activities:follow-up-done", args=[activity.pk]), {"next": "/"}),
        # issue 17: tasks with owners
        "task create": _form_target(
            "marketing", reverse("activities:task-create"), af.TaskForm(instance=new_task), title="Hostile task"
        ),
        "task edit": _form_target("sales", reverse("activities:task", args=[task.pk]), af.TaskForm(instance=task)),
        "task done": Target("sales", reverse("activities:task-done", args=[task.pk]), {"next": "/activities/tasks/"}),
        "task reopen": Target("manager", reverse("activities:task-reopen", args=[task.pk]), {"next": "/"}),
        "task reassign": Target(
            "manager",
            reverse("activities:task-reassign", args=[task.pk]),
            {"assignee": str(demo.users["marketing"].pk), "next": "/activities/tasks/mine/"},
        ),
        "opportunity create": _form_target(
            "sales", reverse("activities:opportunity-create"), af.OpportunityForm(instance=opportunity), title="Hostile deal"
        ),
        "opportunity edit": _form_target(
            "manager", reverse("activities:opportunity-edit", args=[opportunity.pk]), af.OpportunityForm(instance=opportunity)
        ),
        "registration create": _form_target(
            "sales",
            reverse("activities:registration-create"),
            af.DealRegistrationForm(instance=registration),
            customer="Hostile Customer",
            registration_id="HOSTILE-1",
            confirm_duplicate="on",
        ),
        "registration edit": _form_target(
            "manager",
            reverse("activities:registration-edit", args=[registration.pk]),
            af.DealRegistrationForm(instance=registration),
        ),
        "registration transition": Target(
            "sales",
            reverse("activities:registration-transition", args=[registration.pk]),
            {"to": next_status, "expires_on": "", "next": "/activities/registrations/"},
        ),
        "campaign create": _form_target(
            "marketing", reverse("activities:campaign-create"), af.CampaignForm(instance=campaign), title="Hostile campaign"
        ),
        "campaign edit": _form_target(
            "manager", reverse("activities:campaign-edit", args=[campaign.pk]), af.CampaignForm(instance=campaign)
        ),
        "joint plan": _form_target(
            "sales",
            reverse("activities:plan-save", args=[plan_partner.slug, quarter]),
            af.JointPlanForm(instance=initiative.plan),
        ),
        "initiative create": _form_target(
            "marketing",
            reverse("activities:initiative-create", args=[plan_partner.slug, quarter]),
            af.InitiativeForm(instance=initiative, partner=plan_partner),
            title="Hostile initiative",
        ),
        "initiative edit": _form_target(
            "manager",
            reverse("activities:initiative-edit", args=[initiative.pk]),
            af.InitiativeForm(instance=initiative, partner=plan_partner),
        ),
        # certifications
        "holding create (own)": _form_target(
            "outsider", reverse("certifications:holding-create"), cf.HoldingForm(instance=holding), obtained_on="2020-01-01"
        ),
        "holding create (manager)": _form_target(
            "manager",
            reverse("certifications:holding-create"),
            cf.HoldingForm(instance=holding, may_pick_holder=True),
            obtained_on="2019-01-01",
        ),
        "holding edit": _form_target(
            "outsider", reverse("certifications:holding-edit", args=[holding.pk]), cf.HoldingForm(instance=holding)
        ),
        "holding import": Target(
            "manager",
            reverse("certifications:import"),
            {"csv_text": "", "step": "confirm", "skip_bad_rows": "on"},
            fields=["csv"],
        ),
        "program status": _form_target(
            "manager",
            reverse("certifications:program-status-edit", args=[status.partner.slug]),
            cf.ProgramStatusForm(instance=status),
        ),
        # funds
        "allocation create": _form_target(
            "marketing", reverse("funds:allocation-create"), ff.FundAllocationForm(instance=allocation), period_label="Hostile FY"
        ),
        "allocation edit": _form_target(
            "manager", reverse("funds:allocation-edit", args=[allocation.pk]), ff.FundAllocationForm(instance=allocation)
        ),
        "claim create": _form_target(
            "marketing", reverse("funds:claim-create"), ff.FundClaimForm(instance=draft), title="Hostile claim"
        ),
        "claim edit": _form_target("manager", reverse("funds:claim-edit", args=[draft.pk]), ff.FundClaimForm(instance=draft)),
        "claim submit": Target("marketing", reverse("funds:claim-submit", args=[draft.pk]), {"tool_reference": "REF-1"}),
        "claim approve": Target("manager", reverse("funds:claim-approve", args=[submitted.pk]), {"approved_amount": "1.00"}),
        "claim reject": Target("marketing", reverse("funds:claim-reject", args=[submitted.pk]), {"reason": "No budget"}),
        "claim checklist": _form_target(
            "marketing", reverse("funds:claim-checklist", args=[approved.pk]), ff.ProofChecklistForm(claim=approved)
        ),
        "claim proof upload": Target(
            "marketing", reverse("funds:claim-proof-upload", args=[approved.pk]), {"description": "Venue invoice"}, upload="file"
        ),
        "claim invoice": Target(
            "manager",
            reverse("funds:claim-invoice", args=[proof_submitted.pk]),
            {"number": "VSHN-HOSTILE-1", "issued_on": timezone.localdate().isoformat(), "due_on": "", "amount": ""},
        ),
        "invoice paid": Target(
            "accounting",
            reverse("funds:invoice-paid", args=[invoice.pk]),
            {"paid_on": timezone.localdate().isoformat(), "next": "/funds/accounting/"},
        ),
        # reporting
        "report create": Target(
            "accounting", reverse("reporting:report-create"), {"partner": str(agreement.partner.pk), "month": "2021-01"}
        ),
        "report line add": _form_target(
            "accounting",
            reverse("reporting:line-add", args=[report.pk]),
            rf.ReportLineForm(instance=line),
            product="Hostile product",
        ),
        "report line edit": _form_target(
            "manager", reverse("reporting:line-edit", args=[report.pk, line.pk]), rf.ReportLineForm(instance=line)
        ),
        "reporting agreement": _form_target(
            "accounting", reverse("reporting:agreement-edit", args=[agreement.partner.slug]), rf.AgreementForm(instance=agreement)
        ),
        # issue 16: snoozing an item of one's own inbox (its key from the demo's overdue invoices)
        "inbox snooze": Target(
            "accounting",
            reverse("reporting:inbox-snooze"),
            {
                "key": snooze_key,
                "until": (timezone.localdate() + timedelta(days=7)).isoformat(),
                "reason": "Waiting for the partner",
                "next": "/reporting/inbox/",
            },
        ),
        "inbox unsnooze": Target("accounting", reverse("reporting:inbox-unsnooze"), {"key": snooze_key, "next": "/"}),
        # issue 18: quarterly reviews, commissions
        "review create": _form_target(
            "manager",
            reverse("reporting:review-for", args=[review.partner.slug, "2020-Q1"]),
            ReviewCreateForm(partner=review.partner, initial={"held_on": timezone.localdate()}),
        ),
        "review edit": _form_target(
            "manager", reverse("reporting:review-edit", args=[review.pk]), ReviewForm(instance=review, partner=review.partner)
        ),
        "review action item": Target(
            "sales",
            reverse("reporting:review-action-add", args=[review.pk]),
            {"title": "Hostile action", "owner": str(demo.users["sales"].pk), "due_on": timezone.localdate().isoformat()},
        ),
        "commission agreement create": _form_target(
            "manager",
            reverse("funds:commission-agreement-create"),
            CommissionAgreementForm(instance=commission_agreement),
            valid_from="2020-01-01",
        ),
        "commission agreement edit": _form_target(
            "manager",
            reverse("funds:commission-agreement-edit", args=[commission_agreement.pk]),
            CommissionAgreementForm(instance=commission_agreement),
        ),
        "commission invoiced": Target(
            "accounting",
            reverse("funds:commission-invoiced", args=[commission.pk]),
            {"invoice_number": "AIT-HOSTILE-1", "invoiced_on": timezone.localdate().isoformat()},
        ),
        "commission paid": Target(
            "accounting", reverse("funds:commission-paid", args=[commission.pk]), {"paid_on": timezone.localdate().isoformat()}
        ),
        # partnerhub
        "sign in": Target("anonymous", reverse("login"), {"username": "nobody", "password": "wrong"}),
        "notification open": Target(
            "sales",
            reverse("notification-open", args=[demo.notification_for(demo.users["sales"]).pk]),
            {},
            fields=["next", "url"],
        ),
        "notification settings": _form_target("sales", reverse("notification-settings"), settings_form),
    }


FORM_NAMES = [
    "partner create",
    "partner edit",
    "partner archive",
    "contact create",
    "contact edit",
    "contract create",
    "contract edit",
    "team member add",
    "onboarding track create",
    "onboarding step template create",
    "onboarding step template edit",
    "onboarding start",
    "onboarding step edit",
    "onboarding step done",
    "collateral create",
    "collateral brand check",
    "risk assessment",
    "activity create",
    "activity edit",
    "quick log (htmx)",
    "quick log",
    "follow-up done",
    "task create",
    "task edit",
    "task done",
    "task reopen",
    "task reassign",
    "opportunity create",
    "opportunity edit",
    "registration create",
    "registration edit",
    "registration transition",
    "campaign create",
    "campaign edit",
    "joint plan",
    "initiative create",
    "initiative edit",
    "holding create (own)",
    "holding create (manager)",
    "holding edit",
    "holding import",
    "program status",
    "allocation create",
    "allocation edit",
    "claim create",
    "claim edit",
    "claim submit",
    "claim approve",
    "claim reject",
    "claim checklist",
    "claim proof upload",
    "claim invoice",
    "invoice paid",
    "report create",
    "report line add",
    "report line edit",
    "reporting agreement",
    "inbox snooze",
    "inbox unsnooze",
    "review create",
    "review edit",
    "review action item",
    "commission agreement create",
    "commission agreement edit",
    "commission invoiced",
    "commission paid",
    "sign in",
    "notification open",
    "notification settings",
]

CSV_HEADER = "holder,certification_code,partner,obtained_on,expires_on,credential_id,verification_url"


# --- checks ------------------------------------------------------------------------------------------


@contextmanager
def example_zeal_context():
    """N+1 detection per hypothesis example: one test runs many requests to the same view, and
    django-zeal (tests/conftest.py) would otherwise count the same query in two requests as an N+1."""
    from zeal import zeal_context, zeal_ignore

    from ..conftest import ZEAL_ALLOWLIST

    with zeal_context(), zeal_ignore(ZEAL_ALLOWLIST):
        yield


def _context_values(response) -> list:
    context = response.context
    if context is None:
        return []
    values = []
    for ctx in context if isinstance(context, ContextList) else [context]:
        for layer in getattr(ctx, "dicts", [ctx]):
            values.extend(layer.values())
    return values


def refused(response) -> bool:
    """A form error, an error message or a 4xx: the post was not accepted."""
    if response.status_code >= 400:
        return True
    values = _context_values(response)
    if any(isinstance(v, forms.BaseForm) and v.is_bound and v.errors for v in values):
        return True
    if response.context is not None and response.context.get("proof_error"):
        return True
    storage = getattr(response.wsgi_request, "_messages", None)
    return any(message.level >= message_levels.ERROR for message in getattr(storage, "_queued_messages", []))


def assert_escaped(response, what: str) -> None:
    if "html" not in response.get("Content-Type", ""):
        return
    body = b"".join(response.streaming_content) if response.streaming else response.content
    hit = RAW_PAYLOAD.search(body.decode("utf-8", "replace"))
    assert hit is None, f"{what}: unescaped payload {hit.group(0)!r} in the page"


def check_post(client, target: Target, data: dict, what: str) -> None:
    before = database_snapshot()
    if target.upload:
        data = {**data, target.upload: SimpleUploadedFile("proof.pdf", b"%PDF-1.4 hostile test")}
    COUNT["posts"] += 1
    response = client.post(target.url, data, **target.headers)
    assert response.status_code < 500, f"{what}: {response.status_code}"
    assert_escaped(response, what)
    if response.status_code in (301, 302, 303):
        assert url_has_allowed_host_and_scheme(response.url, allowed_hosts={"testserver"}), (
            f"{what}: off-site to {response.url!r}"
        )
    if refused(response):
        assert database_snapshot() == before, f"{what}: refused, but the database changed (half-saved)"
    elif response.status_code in (301, 302, 303):
        location = urlsplit(response.url)
        if not location.netloc and location.path.startswith("/"):
            shown = client.get(response.url)  # the value shown again
            assert shown.status_code < 500, f"{what}: the page after saving answered {shown.status_code}"
            assert_escaped(shown, f"{what}, shown again at {response.url}")


def _hostile_data(data, target: Target) -> dict:
    names = target.fields or sorted(target.baseline)
    if not names:
        return dict(target.baseline)
    everything = data.draw(st.integers(0, 9), label="every field hostile") == 0
    chosen = names if everything else data.draw(st.sets(st.sampled_from(names), min_size=1, max_size=min(3, len(names))))
    posted = dict(target.baseline)
    for name in chosen:
        posted[name] = data.draw(HOSTILE, label=name)
    return posted


def _import_data(data, target: Target) -> dict:
    """The CSV import: hostile values in the columns of the file's rows."""
    rows = []
    for _ in range(data.draw(st.integers(1, 3))):
        cells = ["engineer", "EX280", "", "2020-01-01", "", "CRED-1", "https://verify.example/x"]
        for index in data.draw(st.sets(st.integers(0, len(cells) - 1), min_size=1, max_size=3)):
            value = data.draw(HOSTILE)
            cells[index] = ";".join(value) if isinstance(value, list) else value
        rows.append(",".join('"' + cell.replace('"', '""') + '"' for cell in cells))
    return {**target.baseline, "csv_text": "\n".join([CSV_HEADER, *rows])}


@pytest.fixture
def targets(demo_data, db):  # noqa: F811 - demo_data is the imported fixture
    """Built once per test, before hypothesis runs its examples (they share the test's transaction)."""
    return build_targets(Demo(demo_data))


@pytest.mark.parametrize("form_name", FORM_NAMES)
@HYPOTHESIS
@given(data=st.data())
def test_hostile_posts(form_name, data, targets, demo_data):  # noqa: F811
    target = targets[form_name]
    client = _client(demo_data[DEMO_USERNAME[target.persona]] if target.persona != "anonymous" else None)
    posted = _import_data(data, target) if form_name == "holding import" else _hostile_data(data, target)
    with example_zeal_context():
        check_post(client, target, posted, f"POST {form_name} ({target.url})")


# Each was a 500 or an open redirect before the fix named here; kept as explicit regressions.
REGRESSIONS = {
    # SQLite: OverflowError on pk__in=[10**23] (partnerhub.form_fields.ModelMultipleChoiceField)
    "partner types id out of range": ("partner edit", {"types": ["99999999999999999999999"]}),
    "campaign partners id out of range": ("campaign edit", {"partners": ["-99999999999999999999999"]}),
    "activity participants id out of range": ("activity edit", {"participants": ["99999999999999999999999"]}),
    # redirect() took a bare `next` for a view name: NoReverseMatch (partnerhub.view_helpers.safe_next)
    "invoice paid next is a word": ("invoice paid", {"next": "9999-12-31"}),
    # follow-up done only checked startswith("/"): "//host" was an open redirect (safe_next)
    "follow-up next off-site": ("follow-up done", {"next": "//evil.example/x"}),
    # a valid edit of an allocation with claims: was one query per claim (fixed in 7f56189, found here too)
    "allocation edit with claims": ("allocation edit", {"notes": "<b>bold</b>"}),
    # guards (these were already refused): the other `next` readers
    "transition next off-site": ("registration transition", {"next": "//evil.example/x"}),
    "invoice paid next off-site": ("invoice paid", {"next": "https://evil.example/x"}),
}


@pytest.mark.parametrize("case", sorted(REGRESSIONS))
def test_regressions_found_by_hostile_input(case, targets, demo_data):  # noqa: F811
    form_name, hostile = REGRESSIONS[case]
    target = targets[form_name]
    client = _client(demo_data[DEMO_USERNAME[target.persona]])
    with example_zeal_context():
        check_post(client, target, {**target.baseline, **hostile}, f"{case}: POST {target.url}")


def _text_fields(form_name: str, target: Target) -> list[str]:
    """The fields of the target's form that take text (what PostgreSQL would refuse a NUL in)."""
    if form_name == "holding import":
        return ["csv"]
    numeric = (
        "date",
        "on",
        "amount",
        "price",
        "quantity",
        "days",
        "day",
        "percent",
        "threshold",
        "value",
        "budget",
        "leads",
        "attendees",
        "month",
    )
    return [
        name
        for name in target.fields
        if name
        not in (
            "partner",
            "manager",
            "owner",
            "holder",
            "certification",
            "types",
            "participants",
            "contacts",
            "partners",
            "allocation",
            "campaign",
            "opportunity",
            "deal_registration",
            "held_level",
            "target_level",
            "to",
        )
        and not name.endswith(numeric)
    ]


@pytest.mark.parametrize("form_name", FORM_NAMES)
def test_a_nul_character_in_any_text_field_is_a_form_error_not_a_500(form_name, targets, demo_data):  # noqa: F811
    """One field at a time, the rest valid, so the NUL reaches as far as the code lets it (PostgreSQL refuses it)."""
    target = targets[form_name]
    client = _client(demo_data[DEMO_USERNAME[target.persona]] if target.persona != "anonymous" else None)
    for name in _text_fields(form_name, target):
        if name == "csv":
            cells = "engineer,EX188,,2020-02-02,,CRED\x00NUL,https://verify.example/\x00"
            posted = {**target.baseline, "csv_text": f"{CSV_HEADER}\n{cells}\n"}
        else:
            posted = {**target.baseline, name: "nul\x00byte"}
        with example_zeal_context():
            check_post(client, target, posted, f"NUL in {name}: POST {form_name}")


def test_every_form_view_has_a_hostile_target(targets):
    assert sorted(targets) == sorted(FORM_NAMES)
    from .test_url_coverage import MATRIX, NOT_TRIED, WRONG_METHOD

    posting = {name for name, entry in MATRIX.items() if entry.post not in (NOT_TRIED, WRONG_METHOD)}
    covered = {resolve_name(t.url) for t in targets.values()}
    # POST views without a form: they read nothing from the body (a bare action on the object in the URL).
    bodiless = {
        "logout",
        "notifications-read-all",
        "activities:campaign-brand-check",
        "certifications:holding-delete",
        "funds:claim-submit-proof",
        "reporting:line-delete",
        "reporting:report-submit",
        "reporting:report-acknowledge",
        "reporting:report-copy-previous",
        "reporting:health-refresh",
        "reporting:calendar-reset",
        "reporting:review-refresh",
        "partners:team-remove",
        "partners:onboarding-step-template-delete",
        "partners:onboarding-finish",
    }
    assert posting - covered - bodiless == set(), "POST views without a hostile-input target"


def resolve_name(url: str) -> str:
    from django.urls import resolve

    match = resolve(urlsplit(url).path)
    return match.view_name


# --- the filter forms of the list pages (GET) ---------------------------------------------------------

LIST_PAGES = [
    "partners:list",
    "partners:contacts",
    "activities:feed",
    "activities:follow-ups",
    "activities:sync-meetings",
    "activities:tasks",
    "activities:tasks-mine",
    "activities:opportunities",
    "activities:registrations",
    "activities:registrations-expiring",
    "activities:campaigns",
    "activities:campaign-calendar",
    "activities:plans",
    "certifications:overview",
    "certifications:catalog",
    "certifications:holdings",
    "certifications:mine",
    "funds:allocations",
    "funds:claims",
    "funds:invoices",
    "funds:accounting",
    "funds:commission-history",
    "reporting:reports",
    "reporting:health",
    "reporting:overview",
    "notifications",
]
COMMON_PARAMS = ["sort", "page", "format", "before", "month", "quarter", "table", "on"]


@pytest.mark.parametrize("url_name", LIST_PAGES)
@HYPOTHESIS
@given(data=st.data())
def test_hostile_filters(url_name, data, demo_data, db):  # noqa: F811
    client = _client(demo_data["manager"])
    url = reverse(url_name)
    page = client.get(url)
    assert page.status_code == 200
    filterset = page.context.get("filter") if page.context is not None else None
    names = sorted(set(filterset.form.fields) if filterset is not None else set()) + COMMON_PARAMS
    chosen = data.draw(st.sets(st.sampled_from(names), min_size=1, max_size=4))
    params = {name: data.draw(HOSTILE, label=name) for name in chosen}
    if "format" in params and data.draw(st.booleans()):
        params["format"] = "csv"
    COUNT["gets"] += 1
    with example_zeal_context():
        response = client.get(url, params)
    assert response.status_code < 500, f"GET {url} {params!r}: {response.status_code}"
    assert_escaped(response, f"GET {url_name}")


def test_report_the_number_of_hostile_requests(request, capsys):
    """Runs last in this module: prints (and, when the module ran whole, checks) how many requests were tried."""
    with capsys.disabled():
        print(
            f"\nHostile input: {COUNT['posts']} posts to {len(FORM_NAMES)} forms, "
            f"{COUNT['gets']} filtered GETs to {len(LIST_PAGES)} list pages"
        )
    ran_all = sum(1 for item in request.session.items if getattr(item, "originalname", "") == "test_hostile_posts")
    if ran_all == len(FORM_NAMES) and request.session.testsfailed == 0:
        assert COUNT["posts"] >= len(FORM_NAMES) * HYPOTHESIS.max_examples


# --- issue 14: far dates, control characters and oversize text in every form and list -------------------

FAR_DATES = ["9999-12-31", "9999-11-15", "0001-01-01", "1989-12-31", "2101-01-01"]
OVERSIZE = "y" * 20_001  # one more than the longest text any field takes


def _date_fields(target: Target) -> list[str]:
    return [
        name
        for name in target.fields
        if name.endswith(("_on", "_date", "_start", "_end", "_close")) or name in ("month", "period_start", "period_end")
    ]


def _stored_anywhere(snapshot: dict, needle: str) -> bool:
    return any(isinstance(value, str) and needle in value for rows in snapshot.values() for row in rows for value in row)


@pytest.mark.parametrize("form_name", [name for name in FORM_NAMES if name != "holding import"])
def test_far_dates_in_every_date_field_are_refused(form_name, targets, demo_data):  # noqa: F811
    """Each date field of each form, one at a time, gets a date outside 1990-01-01..2100-12-31: refused
    (a form error or message), nothing saved, never a 500 (issue 14, item 2)."""
    target = targets[form_name]
    client = _client(demo_data[DEMO_USERNAME[target.persona]] if target.persona != "anonymous" else None)
    for name in _date_fields(target):
        for day in FAR_DATES:
            value = day[:7] if name == "month" else day
            with example_zeal_context():
                before = database_snapshot()
                response = client.post(target.url, {**target.baseline, name: value}, **target.headers)
            assert response.status_code < 500, f"{form_name} {name}={value}: {response.status_code}"
            assert database_snapshot() == before, f"{form_name}: {name}={value} was saved"
            assert refused(response) or b"Enter a date between 1 Jan 1990" in response.content, (
                f"{form_name}: {name}={value}: no error"
            )


@pytest.mark.parametrize("form_name", FORM_NAMES)
@pytest.mark.parametrize("hostile", [OVERSIZE, "ctl\x01char", "esc\x1b[31m", "del\x7f"], ids=["oversize", "SOH", "ESC", "DEL"])
def test_oversize_text_and_control_characters_are_never_stored(form_name, hostile, targets, demo_data):  # noqa: F811
    """Each text field, one at a time: the value is refused, never stored (issue 14, item 3)."""
    target = targets[form_name]
    client = _client(demo_data[DEMO_USERNAME[target.persona]] if target.persona != "anonymous" else None)
    for name in _text_fields(form_name, target):
        if name == "csv":
            cells = f"engineer,EX188,,2020-02-02,,CRED-{hostile},https://verify.example/"
            posted = {**target.baseline, "csv_text": f"{CSV_HEADER}\n{cells}\n"}
        else:
            posted = {**target.baseline, name: hostile}
        with example_zeal_context():
            check_post(client, target, posted, f"{hostile[:8]!r} in {name}: POST {form_name}")
        assert not _stored_anywhere(database_snapshot(), hostile), f"{form_name}: {name} stored {hostile[:10]!r}"


@pytest.mark.parametrize("url_name", LIST_PAGES)
def test_list_filters_ignore_far_dates_with_a_message(url_name, demo_data, db):  # noqa: F811
    """Every date filter of every list, and the common date/month parameters: 9999-12-31 and 0001-01-01
    are ignored with the field's message, never a 500; a NUL anywhere is a 400 (issue 14)."""
    from partnerhub.input_bounds import DATE_RANGE_MESSAGE

    client = _client(demo_data["manager"])
    url = reverse(url_name)
    page = client.get(url)
    filterset = page.context.get("filter") if page.context is not None else None
    names = sorted(filterset.form.fields) if filterset is not None else []
    date_names = [n for n in names if isinstance(filterset.form.fields[n], forms.DateField | forms.MultiValueField)]
    for name in date_names:
        params = [f"{name}_after", f"{name}_before"] if isinstance(filterset.form.fields[name], forms.MultiValueField) else [name]
        for param in params:
            for day in ("9999-12-31", "0001-01-01"):
                response = client.get(url, {param: day})
                assert response.status_code == 200, f"GET {url}?{param}={day}: {response.status_code}"
                assert DATE_RANGE_MESSAGE in response.content.decode(), f"GET {url}?{param}={day}: no message"
    for param in ("month", "on", "before"):
        for value in ("9999-12", "9999-12-31", "0001-01-01"):
            assert client.get(url, {param: value}).status_code < 500
    for param in [*names, "q", "sort", "page"]:
        assert client.get(url, {param: "a\x00b"}).status_code == 400

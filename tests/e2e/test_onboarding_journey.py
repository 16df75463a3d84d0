"""Issue 17's browser journey, through the real UI with the demo data (password "demo"):

a partner manager creates a new Software Vendor and starts its onboarding from the Software Vendor
track, assigns a step to sales and does the other required steps; sales completes theirs from the
dashboard inbox ("Mark done"); the partner manager is then asked in the inbox to move the partner to
active, and does it. Moves only by clicking links and buttons and filling forms by their labels.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from partnerhub import formatting

pytestmark = pytest.mark.e2e

PARTNER = "Nimbus Journey Software"
SALES_STEP = "Sales enablement session"


def field(scope, label: str):
    """A form field by its whole label; crispy forms adds "*" to required ones."""
    return scope.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def onboarding_step(page: Page, title: str):
    """A checklist row by its step's title (the first cell; no title is part of another here)."""
    return page.get_by_test_id("onboarding-step").filter(has=page.locator("td:first-child", has_text=title))


def inbox_item(page: Page, title: str):
    return page.get_by_test_id("inbox-item").filter(has=page.get_by_role("link", name=title, exact=True))


def sign_out(page: Page) -> None:
    page.context.clear_cookies()  # a new browser session: the next sign-in is someone else


def test_manager_onboards_a_software_vendor_sales_completes_a_step_from_the_inbox_and_it_becomes_active(
    demo, sign_in, screenshot
):
    from partners.models import Onboarding, OnboardingStep, Partner

    today = timezone.localdate()
    page = sign_in("manager")

    # A new Software Vendor partner, still a prospect.
    page.get_by_role("link", name="Partners", exact=True).first.click()
    page.get_by_role("link", name="New partner").click()
    field(page, "Name").fill(PARTNER)
    page.get_by_label("Software Vendor").check()
    page.get_by_label("Lifecycle stage").select_option(label="Prospect")
    field(page, "Partner manager").select_option(label="Marta Manager")  # the signed-in partner manager
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=PARTNER)).to_be_visible()

    # Start its onboarding from the Software Vendor track (the Onboarding section loads by htmx).
    section = page.get_by_test_id("onboarding")
    expect(section).to_contain_text("No onboarding yet.")
    section.get_by_role("link", name="Start onboarding").click()
    expect(field(page, "Track")).to_contain_text("Software Vendor")
    field(page, "Start date").fill(today.isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Onboarding of {PARTNER} started.")
    section = page.get_by_test_id("onboarding")
    expect(section.get_by_test_id("onboarding-progress")).to_have_text("0 of 9 steps done")
    partner = Partner.objects.get(name=PARTNER)
    steps = list(OnboardingStep.objects.filter(onboarding__partner=partner).order_by("position"))
    required = [s.title for s in steps if s.required]
    assert SALES_STEP in required and len(required) == 8

    # The partner has no sales team member yet, so the partner manager owns the sales step: assign it
    # to Sam Sales, due in three days (inside the inbox's two-week window).
    onboarding_step(page, SALES_STEP).get_by_role("link", name="Assign").click()
    expect(page.get_by_role("heading", name=re.compile(SALES_STEP))).to_be_visible()
    field(page, "Owner").select_option(label="Sam Sales")
    field(page, "Due on").fill((today + timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Save").click()
    expect(onboarding_step(page, SALES_STEP)).to_contain_text("Sam Sales")
    expect(onboarding_step(page, SALES_STEP)).to_contain_text(formatting.day(today + timedelta(days=3)))

    # The partner manager ticks every other required step on the checklist.
    for done, title in enumerate((t for t in required if t != SALES_STEP), start=1):
        onboarding_step(page, title).get_by_test_id("step-done").click()
        expect(page.get_by_role("alert")).to_contain_text(f"“{title}” done.")
        expect(page.get_by_test_id("onboarding-progress")).to_have_text(f"{done} of 9 steps done")
    # Not ready yet: the sales step is open, so there is no "move to active" button.
    expect(page.get_by_test_id("onboarding-finish")).to_have_count(0)
    sign_out(page)

    # Sales finds the step in the dashboard inbox and marks it done there.
    page = sign_in("sales")
    item = inbox_item(page, f"{PARTNER}: {SALES_STEP}")
    expect(item).to_be_visible()
    expect(item.get_by_test_id("inbox-due")).to_contain_text(formatting.day(today + timedelta(days=3)))
    item.get_by_role("button", name="Mark done").click()
    expect(page.get_by_role("alert")).to_contain_text(f"“{SALES_STEP}” done.")
    expect(inbox_item(page, f"{PARTNER}: {SALES_STEP}")).to_have_count(0)
    step = OnboardingStep.objects.select_related("done_by").get(onboarding__partner=partner, title=SALES_STEP)
    assert step.done_by.username == "sales" and step.done_at is not None
    sign_out(page)

    # The last required step is done: the partner manager is asked, in the inbox, to move it to active.
    page = sign_in("manager")
    question = inbox_item(page, f"{PARTNER}: every required onboarding step is done — move to active?")
    expect(question).to_be_visible()
    # The partner page says so too.
    question.get_by_role("link", name="Open checklist").click()
    expect(page.get_by_role("heading", name=PARTNER)).to_be_visible()
    expect(page.get_by_test_id("onboarding-progress")).to_have_text("8 of 9 steps done")
    expect(page.get_by_test_id("onboarding-finish")).to_be_visible()
    page.go_back()
    question = inbox_item(page, f"{PARTNER}: every required onboarding step is done — move to active?")
    question.get_by_role("button", name="Move to active").click()
    expect(page.get_by_role("alert")).to_contain_text(f"{PARTNER} is active; onboarding ended today.")
    expect(inbox_item(page, f"{PARTNER}: every required onboarding step is done — move to active?")).to_have_count(0)

    # The partner page shows it active, with the onboarding's start and end dates.
    page.get_by_role("link", name="Partners", exact=True).first.click()
    page.get_by_role("link", name=PARTNER, exact=True).click()
    expect(page.locator(".badge", has_text="Active").first).to_be_visible()
    expect(page.get_by_test_id("onboarding")).to_contain_text(f"ended {formatting.day(today)}")
    partner.refresh_from_db()
    onboarding = Onboarding.objects.get(partner=partner)
    assert partner.stage == Partner.Stage.ACTIVE
    assert onboarding.started_on == today and onboarding.ended_on == today
    screenshot("onboarding")

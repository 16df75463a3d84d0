"""One browser journey per role, through the real UI with the demo data (password "demo").

Each journey starts on the dashboard after sign-in and moves only by clicking links, buttons and
menus and by filling forms by their labels. It ends with a screenshot in docs/screenshots/<role>.png
when SAVE_SCREENSHOTS=1 (see conftest.py); failures leave one in test-results/.
"""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from partnerhub import formatting

pytestmark = pytest.mark.e2e


def shown(day: date) -> str:
    """A date as the templates show it (partnerhub/formatting.py: Swiss "30.11.2026")."""
    return formatting.day(day)


def field(scope, label: str):
    """A form field by its whole label; crispy forms adds "*" to required ones."""
    return scope.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def open_menu(page: Page, menu: str, item: str) -> None:
    """Open a navbar dropdown (Bootstrap) and click one of its entries."""
    page.get_by_role("button", name=menu, exact=True).click()
    page.get_by_role("link", name=item, exact=True).click()


def open_partner(page: Page, name: str) -> None:
    page.get_by_role("link", name="Partners", exact=True).first.click()
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()


def test_partner_manager_creates_a_partner_and_logs_a_sync_meeting(demo, sign_in, screenshot):
    from django.utils import timezone

    today = timezone.localdate()
    page = sign_in("manager")

    # Create the partner.
    page.get_by_role("link", name="Partners", exact=True).first.click()
    page.get_by_role("link", name="New partner").click()
    field(page, "Name").fill("Nimbus Journey Cloud")
    page.get_by_label("CSP (cloud service provider)").check()
    page.get_by_label("Software Vendor").check()
    page.get_by_label("Lifecycle stage").select_option(label="Onboarding")
    page.get_by_label("Sync-meeting cadence").select_option(label="Weekly")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Nimbus Journey Cloud")).to_be_visible()

    # A new partner's health is computed when it is saved (every write that changes a fact health
    # reads refreshes it after the commit): nothing is due yet, so it is "Good".
    expect(page.get_by_test_id("health")).to_have_text("Good")

    # Add a contact.
    page.get_by_role("link", name="Add contact").click()
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Nimbus")
    page.get_by_label("Stakeholder role").select_option(index=1)
    page.get_by_label("Email").fill("nora@nimbus.example")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Nimbus Journey Cloud")).to_be_visible()
    expect(page.locator("#contacts")).to_contain_text("Nora Nimbus")

    # The Timeline section loads by htmx after the page. A partner that never had a sync meeting
    # is due one cadence after it was created, i.e. a week from today.
    timeline = page.get_by_test_id("section-timeline")
    expect(timeline.get_by_test_id("last-sync-date")).to_have_text("never")
    next_sync = timeline.get_by_test_id("next-sync-date")
    expect(next_sync).to_have_text(shown(today + timedelta(days=7)))

    # Log the sync meeting with the htmx quick log (no page load: the section is swapped).
    form = page.get_by_test_id("quick-log-form")
    form.get_by_label("Kind").select_option(label="Sync meeting")
    form.get_by_label("Date").fill(today.isoformat())
    form.get_by_label("Subject").fill("Kick-off sync with Nimbus")
    form.get_by_role("button", name="Log").click()
    expect(page.locator("#timeline-list")).to_contain_text("Kick-off sync with Nimbus")

    # The next sync meeting is now due one weekly cadence after today's meeting, and the last one is today.
    expect(page.get_by_test_id("last-sync-date")).to_have_text(shown(today))
    expect(page.get_by_test_id("next-sync-date")).to_have_text(shown(today + timedelta(days=7)))
    # Logging recomputes the partner's health (swapped in out of band): still "Good", because no
    # check finds anything (sync meeting not overdue, partner younger than the 90-day no-activity
    # window, no certification levels, invoices or reports due).
    expect(page.get_by_test_id("health")).to_have_text("Good")

    # A reload shows the same stored state.
    page.reload()
    expect(page.get_by_test_id("health")).to_have_text("Good")
    expect(page.get_by_test_id("next-sync-date")).to_have_text(shown(today + timedelta(days=7)))
    screenshot("manager")


def test_sales_sees_the_duplicate_warning_on_a_second_registration(demo, sign_in, screenshot):
    from activities.models import DealRegistration

    page = sign_in("sales")
    open_menu(page, "Activities", "Deal registrations")

    page.get_by_role("link", name="New registration").click()
    field(page, "Partner").select_option(label="Red Hat")
    page.get_by_label("Customer").fill("Acme AG")
    page.get_by_label("Partner's registration ID").fill("RH-DR-1001")
    page.get_by_label("Value").fill("48000")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Deal registration: Acme AG")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Deal registration saved.")

    # The same customer, written differently, for the same partner.
    page.get_by_role("link", name="Deal registrations").first.click()
    page.get_by_role("link", name="New registration").click()
    field(page, "Partner").select_option(label="Red Hat")
    page.get_by_label("Customer").fill("ACME, Ltd.")
    page.get_by_label("Value").fill("12000")
    page.get_by_role("button", name="Save").click()

    warning = page.get_by_test_id("duplicate-warning")
    expect(warning).to_be_visible()
    expect(warning.get_by_role("link", name="Acme AG")).to_be_visible()
    expect(page.get_by_role("heading", name="New deal registration")).to_be_visible()
    expect(page.get_by_text("This looks like a duplicate. Tick the box to save it anyway.")).to_be_visible()
    assert DealRegistration.objects.filter(partner__name="Red Hat", customer_normalized="acme").count() == 1

    # What was typed is kept; ticking "Save anyway" saves it.
    expect(page.get_by_label("Customer")).to_have_value("ACME, Ltd.")
    page.get_by_label("Save anyway: this is not a duplicate").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Deal registration: ACME, Ltd.")).to_be_visible()
    assert DealRegistration.objects.filter(partner__name="Red Hat", customer_normalized="acme").count() == 2

    page.get_by_role("link", name="Deal registrations").first.click()
    rows = page.get_by_test_id("registration-list")
    expect(rows.get_by_role("link", name="Acme AG")).to_be_visible()
    expect(rows.get_by_role("link", name="ACME, Ltd.")).to_be_visible()
    screenshot("sales")


def test_marketing_plans_a_campaign_and_files_a_fund_claim(demo, sign_in, screenshot):
    from django.utils import timezone

    from funds.models import FundAllocation

    today = timezone.localdate()
    allocation = FundAllocation.objects.get(partner__name="Red Hat")
    page = sign_in("marketing")

    open_menu(page, "Activities", "Campaigns")
    page.get_by_role("link", name="New campaign").click()
    page.get_by_label("Title").fill("OpenShift day Basel")
    page.get_by_label("Kind").select_option(label="Event / joint meetup")
    field(page, "Partners").select_option(label="Red Hat")
    page.get_by_label("Starts on").fill(today.isoformat())
    page.get_by_label("Ends on").fill(today.isoformat())
    page.get_by_label("Budget").fill("6000")
    page.get_by_label("Currency").select_option("CHF")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Campaign: OpenShift day Basel")).to_be_visible()

    brand = page.get_by_test_id("brand-check")
    expect(brand).to_contain_text("Brand guidelines not checked yet")
    brand.get_by_role("button", name="Record brand check").click()
    expect(page.get_by_role("alert")).to_contain_text("Brand guidelines of \u201cOpenShift day Basel\u201d checked.")
    expect(page.get_by_test_id("brand-check")).to_contain_text("Brand guidelines checked")
    expect(page.get_by_test_id("brand-check")).to_contain_text("by Mia Marketing")

    page.get_by_test_id("nav-funds").click()
    page.get_by_test_id("funds-tabs").get_by_role("link", name="Claims").click()
    page.get_by_role("link", name="New claim").click()
    page.get_by_label("Allocation").select_option(label=str(allocation))
    page.get_by_label("Campaign").select_option(label="OpenShift day Basel")
    page.get_by_label("Title").fill("OpenShift day Basel: venue and catering")
    page.get_by_label("Activity start").fill(today.isoformat())
    page.get_by_label("Activity end").fill(today.isoformat())
    page.get_by_label("Requested amount").fill("4500")
    page.get_by_label("Currency").select_option(allocation.currency)
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", name="OpenShift day Basel: venue and catering")).to_be_visible()
    expect(page.get_by_test_id("claim-campaign")).to_have_text("OpenShift day Basel")
    expect(page.get_by_test_id("requested-amount")).to_have_text(formatting.money(4500, allocation.currency))
    expect(page.locator("#claim")).to_contain_text("Red Hat")
    expect(page.locator("#step-submit")).to_be_visible()  # a draft, ready to be submitted in the partner's tool
    screenshot("marketing")


def test_accounting_marks_the_overdue_invoice_paid(demo, sign_in, screenshot):
    from django.utils import timezone

    from funds.models import Invoice

    today = timezone.localdate()
    page = sign_in("accounting")

    # The dashboard's inbox loads by htmx; the overdue demo invoice is one of the overdue items.
    overdue = page.get_by_test_id("inbox-overdue").get_by_test_id("inbox-item").filter(has_text="invoice VSHN-MDF-DEMO-002")
    expect(overdue).to_contain_text("overdue since")
    overdue.get_by_role("link").first.click()

    expect(page.get_by_test_id("invoice-number")).to_have_text("VSHN-MDF-DEMO-002")
    expect(page.get_by_test_id("invoice-overdue")).to_be_visible()

    page.get_by_test_id("funds-tabs").get_by_role("link", name="Accounting").click()
    row = page.get_by_test_id("accounting-overdue").get_by_test_id("invoice-row").filter(has_text="VSHN-MDF-DEMO-002")
    expect(row).to_contain_text("overdue")
    expect(row.get_by_label("Paid on")).to_have_value(today.isoformat())
    row.get_by_role("button", name="Mark paid").click()

    expect(page.get_by_role("alert")).to_contain_text("Invoice VSHN-MDF-DEMO-002 marked paid.")
    expect(page.get_by_test_id("accounting-overdue")).not_to_contain_text("VSHN-MDF-DEMO-002")
    paid = page.get_by_test_id("accounting-paid").get_by_test_id("invoice-row").filter(has_text="VSHN-MDF-DEMO-002")
    expect(paid).to_contain_text("(Anton Accounting)")  # the paid date, recorded by the accounting user (full name)
    assert Invoice.objects.get(number="VSHN-MDF-DEMO-002").paid_on == today
    screenshot("accounting")

    # Back on the dashboard, once the inbox has loaded, the invoice no longer needs anyone.
    page.get_by_test_id("nav-dashboard").click()  # its name carries the inbox count ("Dashboard 3 due this week or overdue")
    expect(page.get_by_test_id("inbox-loading")).to_have_count(0)
    expect(page.get_by_test_id("inbox")).to_be_visible()
    expect(page.get_by_test_id("inbox-item").filter(has_text="invoice VSHN-MDF-DEMO-002")).to_have_count(0)


def test_vshneer_adds_a_certification_and_sees_it_in_the_partner_compliance(demo, sign_in, screenshot):
    from django.utils import timezone

    today = timezone.localdate()
    page = sign_in("engineer")

    open_menu(page, "Elena Engineer", "My certifications")  # the user menu shows the full name
    page.get_by_role("link", name="Add a certification").click()
    certification = field(page, "Certification")
    label = certification.locator("option", has_text="(EX294)").text_content().strip()
    certification.select_option(label=label)
    page.get_by_label("Obtained on").fill((today - timedelta(days=10)).isoformat())
    page.get_by_label("Credential ID").fill("RHCE-220-042")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", name="My certifications")).to_be_visible()
    expect(page.get_by_test_id("holding-row").filter(has_text="EX294")).to_contain_text("RHCE-220-042")

    open_partner(page, "Red Hat")
    compliance = page.get_by_test_id("section-certifications").locator("#partner-compliance")
    requirement = compliance.get_by_role("row").filter(has_text="4 valid holders of RHCSA or RHCE")
    expect(requirement).to_contain_text(re.compile(r"Elena Engineer \(EX294, until \d\d\.\d\d\.\d{4}\)"))
    # The whole Red Hat page is partner-detail.png; this one shows the Certifications section.
    page.get_by_test_id("section-certifications").scroll_into_view_if_needed()
    screenshot("engineer", full_page=False)


def test_readme_screenshots_dashboard_and_partner_detail(demo, sign_in, screenshot):
    """The manager's dashboard and the Red Hat page with every htmx panel and section loaded."""
    page = sign_in("manager")
    expect(page.get_by_test_id("inbox-loading")).to_have_count(0)
    expect(page.get_by_test_id("attention-failed")).to_have_count(0)
    expect(page.get_by_test_id("inbox-item").first).to_be_visible()
    screenshot("dashboard")

    open_partner(page, "Red Hat")
    expect(page.locator("[data-testid^='section-'][data-testid$='-loading']")).to_have_count(0)
    for key in ("timeline", "deals", "campaigns", "certifications", "funds"):
        expect(page.get_by_test_id(f"section-{key}")).to_be_visible()
    expect(page.locator("#contacts")).to_contain_text("Laura Keller")
    screenshot("partner-detail")

"""The Monday morning in the browser (issue 16): the ranked inbox, the partner page at 390 px, every
overview chart drawn without a console error, and axe-core over the main pages as each role.

axe-core comes from npm (tests/axe/install.sh); without it the accessibility checks skip, saying so.
"""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[1] / "axe" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}


def partner_url(page: Page, site, name: str) -> str:
    from partners.models import Partner

    return f"{site.url}{Partner.objects.get(name__startswith=name).get_absolute_url()}"


def no_horizontal_overflow(page: Page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")


def test_inbox_ranks_overdue_first_with_actions(demo, sign_in):
    page = sign_in("accounting")
    expect(page.get_by_test_id("inbox-loading")).to_have_count(0)
    inbox = page.get_by_test_id("inbox")
    expect(inbox).to_be_visible()
    # The overdue section comes first on the page and holds the overdue demo invoice, oldest first.
    sections = inbox.locator("[data-testid^='inbox-']").evaluate_all("els => els.map(e => e.dataset.testid)")
    assert sections.index("inbox-overdue") < sections.index("inbox-this-week") < sections.index("inbox-later")
    overdue = page.get_by_test_id("inbox-overdue").get_by_test_id("inbox-item")
    expect(overdue.first).to_contain_text("overdue since")
    dues = overdue.evaluate_all("els => els.map(e => e.dataset.due)")
    assert dues == sorted(dues)
    invoice = overdue.filter(has_text="invoice VSHN-MDF-DEMO-002")
    expect(invoice.get_by_role("button", name="Mark paid today")).to_be_visible()
    # Keyboard: the item's link takes focus and opens with Enter.
    link = invoice.get_by_role("link").first
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("invoice-number")).to_have_text("VSHN-MDF-DEMO-002")


def test_partner_page_fits_a_phone(demo, sign_in, site, page: Page, screenshot):
    page.set_viewport_size(PHONE)
    sign_in("manager")
    assert no_horizontal_overflow(page) <= PHONE["width"]
    page.goto(partner_url(page, site, "Red Hat"))
    expect(page.locator("[data-testid^='section-'][data-testid$='-loading']")).to_have_count(0)
    width = no_horizontal_overflow(page)
    assert width <= PHONE["width"], f"the partner page is {width} px wide at 390 px"
    # Badges wrap instead of being cut off: none is wider than its card.
    too_wide = page.evaluate(
        """() => [...document.querySelectorAll('.badge')].filter(b => {
               const card = b.closest('.card'); return card && b.getBoundingClientRect().right > card.getBoundingClientRect().right + 1;
           }).length"""
    )
    assert too_wide == 0
    screenshot("partner-detail-phone")


def test_every_overview_chart_draws_without_console_errors(demo, sign_in, site, page: Page):
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in("manager")
    page.goto(f"{site.url}/reporting/overview/")
    canvases = page.locator("canvas")
    expect(canvases.first).to_be_visible()
    ids = canvases.evaluate_all("els => els.map(e => e.id)")
    assert len(ids) == len(set(ids)) and "chart-certification_holdings" in ids
    drawn = page.evaluate("() => [...document.querySelectorAll('canvas')].map(c => !!window.Chart.getChart(c))")
    assert all(drawn), dict(zip(ids, drawn, strict=True))
    assert errors == []


MAIN_PAGES = {
    "manager": [
        "/",
        "/reporting/inbox/",
        "/partners/",
        "/partners/contacts/",
        "/reporting/overview/",
        "/reporting/health/",
        "/activities/campaigns/",
        "/reporting/search/?q=leman",
    ],
    "sales": ["/", "/activities/opportunities/", "/activities/registrations/", "/activities/campaigns/calendar/"],
    "accounting": ["/", "/funds/accounting/", "/reporting/reports/"],
}


@pytest.mark.parametrize("role", sorted(MAIN_PAGES))
def test_no_serious_accessibility_violations(role, demo, sign_in, site, page: Page):
    if not AXE.exists():
        pytest.skip(f"axe-core not installed at {AXE} (run tests/axe/install.sh)")
    sign_in(role)
    found = {}
    for path in MAIN_PAGES[role]:
        page.goto(f"{site.url}{path}")
        page.wait_for_load_state("networkidle")
        # Evaluated through the DevTools protocol: a <script> tag would be refused by the CSP.
        page.evaluate(AXE.read_text() + "\n;undefined")
        result = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length, "
            "target: v.nodes[0] && v.nodes[0].target.join(' ')}))"
        )
        serious = [v for v in result if v["impact"] in ("critical", "serious")]
        if serious:
            found[path] = serious
    assert found == {}, found

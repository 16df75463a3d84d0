"""Every main page in the browser (issue 16, items 5, 9 and the README screenshots):

- at 390 px, every list page (and the inbox, the partner, campaign and report pages) has no
  horizontal page scroll, and a table wider than the screen scrolls inside its own box;
- axe-core over the same pages as every demo role: no critical or serious violation. Each role's
  findings, every impact, are written to test-results/axe-<role>.txt and printed (to quote them;
  pytest-playwright empties test-results/ at the start of the next browser run);
- with SAVE_SCREENSHOTS=1, the dashboard (inbox), the overview and the partner page at 390 px are
  saved to docs/screenshots/*-phone.png for the README.

The pages come from tests/security/test_url_coverage.py's MATRIX: every page without arguments
that every signed-in person may open, so a new list page is checked here without a change.
"""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from tests.security.test_url_coverage import MATRIX, NONE, SIGNED_IN

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[1] / "axe" / "node_modules" / "axe-core" / "axe.min.js"
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ROLES = ["manager", "sales", "marketing", "accounting", "engineer", "admin"]
# Not pages: a fragment of the navigation and the @mention suggestions (JSON for the notes field).
NOT_PAGES = {"reporting:inbox-count", "activities:people"}


def main_pages() -> list[str]:
    """Every page without arguments every signed-in person may open, the global search with a
    query, and one of each detail page the lists lead to."""
    from activities.models import Campaign
    from partners.models import Partner
    from reporting.models import LicenseReport

    pages = sorted(
        reverse(name)
        for name, entry in MATRIX.items()
        if entry.kwargs is NONE and entry.get == SIGNED_IN and not entry.public and name not in NOT_PAGES
    )
    pages.append(reverse("reporting:search") + "?q=leman")
    pages.append(Partner.objects.get(name__startswith="Red Hat").get_absolute_url())
    pages.append(Campaign.objects.order_by("pk").first().get_absolute_url())
    pages.append(LicenseReport.objects.order_by("pk").first().get_absolute_url())
    return pages


# Counts htmx requests in flight (installed before each document's own scripts run).
HTMX_IN_FLIGHT = """
window.__htmxInFlight = 0;
document.addEventListener('htmx:beforeRequest', () => { window.__htmxInFlight += 1; });
document.addEventListener('htmx:afterRequest', () => { window.__htmxInFlight -= 1; });
"""


def settle(page: Page, url: str) -> None:
    """Open a page and wait until its htmx fragments (inbox, panels, partner sections) are in:
    no htmx request in flight, twice 150 ms apart (a fragment may load another). Quicker than
    waiting for the network to be idle for 500 ms on each of the ~230 page visits."""
    page.goto(url, wait_until="load")
    for _ in range(2):
        page.wait_for_function("() => window.__htmxInFlight === 0 && !document.querySelector('.htmx-request')")
        page.wait_for_timeout(150)


OVERFLOW = """() => {
  const width = window.innerWidth;
  const page = document.scrollingElement.scrollWidth;
  // A table wider than the screen must scroll inside a box of its own (overflow-x auto/scroll).
  const tables = [...document.querySelectorAll('table')].filter(t => {
    if (t.getBoundingClientRect().right <= width + 1) return false;
    for (let el = t.parentElement; el && el !== document.body; el = el.parentElement) {
      const o = getComputedStyle(el).overflowX;
      if ((o === 'auto' || o === 'scroll') && el.getBoundingClientRect().right <= width + 1) return false;
    }
    return true;
  }).map(t => t.closest('[data-testid]')?.dataset.testid || t.className || 'table');
  // What sticks out, to say which element makes the page wide.
  const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > width + 1
      && !e.closest('table') && getComputedStyle(e).position !== 'fixed')
    .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + [...e.classList].join('.'));
  return {page, width, tables, wide};
}"""


def test_every_list_page_fits_a_phone(demo, sign_in, site, page: Page, screenshot):
    page.add_init_script(HTMX_IN_FLIGHT)
    page.set_viewport_size(PHONE)
    sign_in("manager")
    problems = {}
    for path in main_pages():
        settle(page, f"{site.url}{path}")
        found = page.evaluate(OVERFLOW)
        if found["page"] > found["width"] or found["tables"]:
            problems[path] = found
    assert problems == {}, problems
    # The check itself sees a table that sticks out (and does not see one that scrolls in its box).
    page.evaluate(
        """() => { const t = document.createElement('table'); t.style.width = '900px'; t.innerHTML = '<tr><td>x</td></tr>';
                   const box = document.createElement('div'); box.style.overflowX = 'auto'; box.append(t.cloneNode(true));
                   document.querySelector('main, body').append(box, t); }"""
    )
    found = page.evaluate(OVERFLOW)
    assert found["page"] > PHONE["width"] and len(found["tables"]) == 1, found
    assert len(main_pages()) >= 30
    # README screenshots (SAVE_SCREENSHOTS=1): what a partner manager sees on a phone.
    for name, path in [
        ("dashboard-phone", "/"),
        ("overview-phone", reverse("reporting:overview")),
        ("partner-phone", main_pages()[-3]),
    ]:
        settle(page, f"{site.url}{path}")
        screenshot(name, full_page=False)


def axe_violations(page: Page) -> list[dict]:
    # Evaluated through the DevTools protocol: a <script> tag would be refused by the CSP.
    page.evaluate(AXE.read_text() + "\n;undefined")
    return page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length, "
        "target: v.nodes[0] && v.nodes[0].target.join(' ')}))"
    )


@pytest.mark.parametrize("role", ROLES)
def test_no_serious_accessibility_violations_on_any_main_page(role, demo, sign_in, site, page: Page):
    if not AXE.exists():
        pytest.skip(f"axe-core not installed at {AXE} (run tests/axe/install.sh)")
    page.add_init_script(HTMX_IN_FLIGHT)
    page.set_viewport_size(DESKTOP)
    sign_in(role)
    report, serious = [], {}
    for path in main_pages():
        settle(page, f"{site.url}{path}")
        violations = axe_violations(page)
        report.append(
            f"{role:<10} {path:<55} "
            + (", ".join(f"{v['id']} ({v['impact']}, {v['nodes']} nodes)" for v in violations) or "no violations")
        )
        bad = [v for v in violations if v["impact"] in ("critical", "serious")]
        if bad:
            serious[path] = bad
    # pytest-playwright empties test-results/ when a browser run starts: quote them before the next run.
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"axe-{role}.txt").write_text("\n".join(report) + "\n")
    print("\n".join(report))  # shown with -s, and in the report of a failing run
    assert serious == {}, serious


def test_snooze_from_the_inbox_and_back(demo, sign_in, page: Page):
    """Snooze with htmx: the item moves to the folded Snoozed group, the navigation's badge goes
    down by one; unsnooze brings it back."""
    from playwright.sync_api import expect

    page = sign_in("accounting")
    expect(page.get_by_test_id("inbox-loading")).to_have_count(0)
    badge = page.get_by_test_id("nav-inbox-count")
    before = int(badge.inner_text().split()[0])
    item = page.get_by_test_id("inbox-overdue").get_by_test_id("inbox-item").first
    title = item.get_by_role("link").first.inner_text()
    item.get_by_text("Snooze", exact=True).first.click()
    item.get_by_label("Why").fill("Partner is on holiday")
    item.get_by_role("button", name="Snooze", exact=True).click()
    expect(page.get_by_test_id("inbox-message")).to_contain_text("Snoozed until")
    expect(page.get_by_test_id("inbox-overdue")).not_to_contain_text(title)
    snoozed = page.get_by_test_id("inbox-snoozed")
    snoozed.locator("summary").click()
    expect(snoozed.get_by_test_id("snoozed-item")).to_contain_text("Partner is on holiday")
    expect(badge).to_have_text(f"{before - 1} due this week or overdue")
    snoozed.get_by_role("button", name=f"Unsnooze: {title}").click()
    expect(page.get_by_test_id("inbox-message")).to_contain_text("Back in your inbox")
    expect(page.get_by_test_id("inbox-overdue")).to_contain_text(title)
    expect(badge).to_have_text(f"{before} due this week or overdue")

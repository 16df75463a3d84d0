"""Issue 18's browser journey: a partner manager opens Red Hat's review of the quarter, sees the
scorecard filled in from the records, records satisfaction and two action items, prints it and
downloads it as a PDF."""

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

pytestmark = pytest.mark.e2e


def test_partner_manager_runs_red_hats_quarterly_review_and_prints_it(demo, sign_in, screenshot):
    from django.utils import timezone

    from activities.models import quarter_of
    from reporting.models import QuarterlyReview
    from reporting.scorecard import previous_quarter

    today = timezone.localdate()
    quarter = previous_quarter(quarter_of(today - timedelta(days=80)))  # the newer demo review (reporting/demo.py)
    page = sign_in("manager")

    page.get_by_test_id("nav-reviews").click()
    row = page.get_by_test_id("review-list").get_by_role("row").filter(has_text="Red Hat").filter(has_text=quarter)
    row.get_by_role("link", name=quarter).click()

    expect(page.get_by_test_id("review-quarter")).to_have_text(quarter)
    scorecard = page.get_by_test_id("scorecard")
    expect(scorecard).to_contain_text("Won deal value")
    expect(scorecard).to_contain_text("License revenue")
    expect(page.get_by_test_id("scorecard-license_revenue")).to_contain_text("CHF")  # filled from Red Hat's reports
    expect(page.get_by_test_id("scorecard-syncs_held")).to_be_visible()

    page.get_by_role("link", name="Satisfaction and notes").click()
    page.get_by_label(re.compile(r"^\s*Our score of the partner")).fill("9")
    page.get_by_label(re.compile(r"^\s*The partner.s score of us")).fill("7")
    page.get_by_label(re.compile(r"^\s*Decisions")).fill("Two engineers take the EX280 exam; one joint event in Basel.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("our-score")).to_have_text("9")
    expect(page.get_by_test_id("partner-score")).to_have_text("7")

    due = (today + timedelta(days=14)).isoformat()
    for title, owner in [("Send Red Hat the joint pipeline", "Sam Sales"), ("Book the Basel venue", "Mia Marketing")]:
        form = page.locator("#action-item-form")
        form.get_by_label("Action item").fill(title)
        form.get_by_label("Owner").select_option(label=owner)
        form.get_by_label("Due").fill(due)
        form.get_by_role("button", name="Add").click()
        expect(page.get_by_test_id("action-items")).to_contain_text(title)

    review = QuarterlyReview.objects.get(partner__name="Red Hat", quarter=quarter)
    assert (review.our_score, review.partner_score) == (9, 7)
    assert review.action_items.filter(follow_up__subject__contains="Book the Basel venue").exists()
    screenshot("quarterly-review")

    page.get_by_role("link", name="Print version").click()
    expect(page.get_by_role("heading", name=re.compile("Quarterly business review: Red Hat"))).to_be_visible()
    expect(page.get_by_test_id("action-items")).to_contain_text("Send Red Hat the joint pipeline")
    expect(page.locator("nav.navbar")).to_have_count(0)
    page.evaluate("window.print = () => { window.__printed = true; }")  # the dialog itself is the browser's
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("window.__printed === true")

    # The same page as a PDF (reporting/review_pdf.py): a download, read back.
    with page.expect_download() as info:
        page.get_by_role("link", name="PDF", exact=True).click()
    download = info.value
    assert download.suggested_filename == f"review-{review.partner.slug}-{quarter}.pdf"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) >= 1 and "Send Red Hat the joint pipeline" in text and "Won deal value" in text

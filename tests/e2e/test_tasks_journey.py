"""Issue 17's tasks in the browser: a partner manager creates a task for sales from a partner page;
sales finds it in the dashboard inbox, marks it done there, and sees it done in "My tasks". And an
@mention with its suggestions in an activity's notes tells the colleague."""

import re
import time

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_manager_gives_sales_a_task_and_sales_completes_it_from_the_inbox(demo, sign_in, site, screenshot):
    from django.utils import timezone

    from activities.models import Task
    from partners.models import Partner

    title = f"Send Exoscale the signed DPA ({int(time.time())})"  # unique: the rehearsal reuses its database
    exoscale = Partner.objects.get(name="Exoscale")
    page = sign_in("manager")
    page.goto(f"{site.url}{exoscale.get_absolute_url()}")
    page.locator("#new-task-link").click()
    expect(page.get_by_role("heading", name="New task for Exoscale")).to_be_visible()
    expect(page.get_by_label(re.compile(r"^\s*Partner"))).to_have_value(str(exoscale.pk))
    page.get_by_label(re.compile(r"^\s*Task")).fill(title)
    page.get_by_label(re.compile(r"^\s*Assigned to")).select_option(label="Sam Sales")
    page.get_by_label(re.compile(r"^\s*Due on")).fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("task-list")).to_contain_text(title)
    task = Task.objects.get(title=title)
    assert (task.assignee.username, task.partner_id, task.created_by.username) == ("sales", exoscale.pk, "manager")

    page.context.clear_cookies()
    page = sign_in("sales")
    item = page.get_by_test_id("inbox-item").filter(has_text=title)
    expect(item).to_be_visible()
    screenshot("task-in-inbox")
    item.get_by_role("button", name="Mark done").click()
    page.wait_for_url(f"{site.url}/")
    expect(page.get_by_test_id("inbox")).to_be_visible()
    expect(page.get_by_test_id("inbox-item").filter(has_text=title)).to_have_count(0)

    page.goto(f"{site.url}/activities/tasks/mine/?status=done")
    row = page.get_by_test_id("task-row").filter(has_text=title)
    expect(row).to_contain_text("done")
    task.refresh_from_db()
    assert task.done_at is not None and task.done_by.username == "sales"


def test_sales_mentions_marketing_in_an_activity(demo, sign_in, site):
    from partnerhub.models import Notification

    subject = f"Call about the joint webinar ({int(time.time())})"
    page = sign_in("sales")
    page.goto(f"{site.url}/activities/new/")
    page.locator("#id_partner").select_option(label="Exoscale")
    page.get_by_label(re.compile(r"^\s*Subject")).fill(subject)
    notes = page.get_by_label(re.compile(r"^\s*Notes"))
    notes.click()
    notes.press_sequentially("Slides by @mar", delay=30)
    suggestion = page.get_by_role("option", name=re.compile(r"Mia Marketing \(@marketing\)"))
    expect(suggestion).to_be_visible()
    suggestion.click()
    expect(notes).to_have_value("Slides by @marketing ")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("logged.")).to_be_visible()
    assert (
        Notification.objects.filter(recipient__username="marketing", kind="activity_mention", title__contains=subject).count()
        == 1
    )

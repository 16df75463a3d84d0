import pytest

pytestmark = pytest.mark.e2e


def test_sign_in_and_browse_partners(demo, sign_in):
    page = sign_in("manager")
    page.get_by_role("link", name="Partners", exact=True).first.click()
    page.get_by_role("link", name="Red Hat").click()
    assert page.get_by_role("heading", name="Red Hat").is_visible()
    assert page.locator("#contacts").get_by_text("Laura Keller").is_visible()

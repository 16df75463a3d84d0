"""Every sign-in, local or company, success or failure, is in the sign-in log, which admins read
(and nobody edits) in the Django admin."""

import pytest

from partnerhub.company_sign_in.models import SignInEvent

from ...factories import UserFactory

pytestmark = pytest.mark.django_db


def test_local_sign_in_and_failures_are_logged_with_who_when_how_and_where(client):
    user = UserFactory(username="sam")
    client.post(
        "/accounts/login/", {"username": "sam", "password": "wrong"}, REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Firefox"
    )
    client.post("/accounts/login/", {"username": "sam", "password": "pw"}, REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Firefox")
    failure, success = SignInEvent.objects.order_by("id")
    assert (failure.method, failure.succeeded, failure.username, failure.reason) == ("local", False, "sam", "bad_credentials")
    assert (failure.ip_address, failure.user_agent, failure.user) == ("203.0.113.7", "Firefox", None)
    assert (success.method, success.succeeded, success.user, success.username) == ("local", True, user, "sam")
    assert success.created_at is not None


def test_locked_out_sign_ins_are_logged_as_such(client, settings):
    UserFactory(username="sam")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post("/accounts/login/", {"username": "sam", "password": "wrong"})
    assert SignInEvent.objects.filter(reason="locked_out").exists()


def test_hostile_usernames_are_logged_and_shown_escaped(client, admin_client_):
    client.post("/accounts/login/", {"username": "<script>alert(1)</script>", "password": "p"})
    assert SignInEvent.objects.get(succeeded=False).username == "<script>alert(1)</script>"
    page = admin_client_.get("/admin/partnerhub/signinevent/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_admins_read_the_log_and_nobody_edits_it(client, admin_client_, manager_client):
    UserFactory(username="sam")
    client.post("/accounts/login/", {"username": "sam", "password": "wrong"})
    page = admin_client_.get("/admin/partnerhub/signinevent/")
    assert page.status_code == 200 and "bad_credentials" in page.content.decode()
    event = SignInEvent.objects.filter(succeeded=False).first()
    assert admin_client_.get(f"/admin/partnerhub/signinevent/{event.pk}/change/").status_code == 200  # view only
    assert admin_client_.post(f"/admin/partnerhub/signinevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client_.get("/admin/partnerhub/signinevent/add/").status_code == 403
    assert manager_client.get("/admin/partnerhub/signinevent/").status_code == 302  # not staff: admin login
    assert admin_client_.get("/admin/partnerhub/companyidentity/add/").status_code == 200

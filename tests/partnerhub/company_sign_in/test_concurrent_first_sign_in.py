"""Two first sign-ins at once (a double click, two tabs): on PostgreSQL, the unique constraints
decide and the loser looks again; never a 500, never two accounts for one provider account."""

import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection

from partnerhub.company_sign_in import services
from partnerhub.company_sign_in.models import CompanyIdentity
from partnerhub.company_sign_in.services import CompanyProfile, company_sign_in

from ...helpers import run_at_once


@pytest.fixture
def both_past_the_lookup(monkeypatch):
    """Hold each thread's first attempt after its lookup until both got there (a real race)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres (as .ci/run does)")
    barrier, original, waited = threading.Barrier(2, timeout=10), services._user_to_link, set()

    def held(profile):
        user = original(profile)
        if threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            barrier.wait()
        return user

    monkeypatch.setattr(services, "_user_to_link", held)


def _sign_in_in_thread(profile, results):
    def target():
        try:
            results.append(company_sign_in(profile=profile))
        except Exception as error:  # noqa: BLE001 - collected and asserted on below
            results.append(error)
        finally:
            connection.close()

    return target


@pytest.mark.django_db(transaction=True)
def test_the_same_provider_account_twice_at_once_makes_one_user(both_past_the_lookup):
    profile = CompanyProfile(issuer="https://id.example", subject="u-1", username_hint="petra", roles={"Sales"})
    results = []
    run_at_once(_sign_in_in_thread(profile, results), _sign_in_in_thread(profile, results))
    assert not [r for r in results if isinstance(r, Exception)], results
    (first, _), (second, _) = results
    assert first == second and User.objects.count() == 1 and CompanyIdentity.objects.count() == 1
    assert sorted(how for _, how in results) == ["created", "known"]


@pytest.mark.django_db(transaction=True)
def test_two_people_with_the_same_username_at_once_get_two_usernames(both_past_the_lookup):
    results = []
    run_at_once(
        _sign_in_in_thread(CompanyProfile(issuer="https://id.example", subject="u-1", username_hint="petra"), results),
        _sign_in_in_thread(CompanyProfile(issuer="https://id.example", subject="u-2", username_hint="petra"), results),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(User.objects.values_list("username", flat=True)) == ["petra", "petra-2"]

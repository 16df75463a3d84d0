"""partnerhub/dates.py: the two month steps are different questions with different answers."""

from datetime import date

import pytest

from partnerhub.dates import first_of_month, first_of_month_months_later, same_day_months_later
from partnerhub.roles import Role, users_with_role

from ..factories import UserFactory


@pytest.mark.parametrize(
    ("day", "months", "same_day", "first_of"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28), date(2026, 2, 1)),
        (date(2028, 1, 31), 1, date(2028, 2, 29), date(2028, 2, 1)),
        (date(2026, 3, 15), -3, date(2025, 12, 15), date(2025, 12, 1)),
        (date(2026, 11, 30), 24, date(2028, 11, 30), date(2028, 11, 1)),
        (date(2026, 5, 1), 0, date(2026, 5, 1), date(2026, 5, 1)),
    ],
)
def test_same_day_and_first_of_month(day, months, same_day, first_of):
    assert same_day_months_later(day, months) == same_day
    assert first_of_month_months_later(day, months) == first_of


def test_same_day_beyond_the_calendar_is_its_end():
    assert same_day_months_later(date(9999, 12, 1), 24) == date.max


def test_first_of_month():
    assert first_of_month(date(2026, 2, 17)) == date(2026, 2, 1)


@pytest.mark.django_db
def test_users_with_role_are_the_active_members_once(django_assert_num_queries):
    alice = UserFactory(roles=[Role.ACCOUNTING, Role.SALES])
    UserFactory(roles=[Role.ACCOUNTING], is_active=False)
    UserFactory(roles=[Role.SALES])
    with django_assert_num_queries(1):
        assert users_with_role(Role.ACCOUNTING) == [alice]

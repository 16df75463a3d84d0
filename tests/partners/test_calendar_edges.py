from datetime import date

from partnerhub.dates import same_day_months_later
from partners.models import Contract


def test_dates_at_the_edges_of_the_calendar_do_not_crash():
    assert Contract.derive_notice_deadline(date(1, 1, 1), 90) == date.min
    assert same_day_months_later(date(9999, 12, 1), 24) == date.max
    assert same_day_months_later(date(2026, 1, 31), 1) == date(2026, 2, 28)

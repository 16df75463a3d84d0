"""Calendar arithmetic in months. Two different questions, two names:

- `same_day_months_later(day, n)`: the same day of the month n months on, clamped to the month's
  last day (31 Jan + 1 = 28/29 Feb) — a certification valid for 24 months from the day it was obtained.
- `first_of_month_months_later(day, n)`: the 1st of the month n months on — reporting months
  ("last month's report" is `first_of_month_months_later(today, -1)`).

n may be negative. Day arithmetic on stored dates is `partnerhub.input_bounds.add_days`.
"""

import calendar
from datetime import date


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def first_of_month_months_later(day: date, months: int) -> date:
    """The first day of the month `months` away from `day`'s month."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def same_day_months_later(day: date, months: int) -> date:
    """`day` plus whole months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    if year > date.max.year:  # a hostile or typo'd year 9999: the end of the calendar, not a 500
        return date.max
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))

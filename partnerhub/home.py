from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from partners import selectors as partner_selectors


def home(request: HttpRequest) -> HttpResponse:
    """A first attention list: contract notice deadlines and supplier-risk reviews."""
    today = timezone.localdate()
    notices = partner_selectors.notice_deadlines_soon(today=today, days=settings.REMINDER_CONTRACT_NOTICE_DAYS)[:20]
    reviews = partner_selectors.risk_reviews_due_by(day=today + timedelta(days=30))[:20]
    return render(request, "home.html", {"notices": notices, "reviews": reviews, "today": today})

"""Create forms are sent once: a one-time token per rendered form (`{% form_token %}`), claimed in the
same transaction as the save (`@submit_once` on the view).

A double click or a resent POST carries the same token. The first submission inserts the token's
row and saves; the second one's INSERT of the same token waits for the first transaction (PostgreSQL's
unique index) and then fails, so it saves nothing and is sent to the first one's result. A submission
that did not save (form errors) rolls its token back, so the corrected form can be sent again.
A POST without a token (an old page, a script) is handled as before.
"""

import re
import secrets
from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .models import FormSubmission
from .reminders import housekeeping

FORM_TOKEN_FIELD = "form_token"  # noqa: S105 - a field name, not a secret
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
# Tokens are kept long enough to catch a resent form (the back button, a restored tab).
KEEP_DAYS = 2


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


def mark_saved(request: HttpRequest) -> None:
    """For a view that answers a successful save without a redirect (an htmx fragment)."""
    setattr(request, "form_token_saved", True)  # noqa: B010 - read back by _saved(); HttpRequest has no such field


class _Duplicate(Exception):
    pass


class _NotSaved(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def _saved(request: HttpRequest, response: HttpResponse) -> bool:
    return 300 <= response.status_code < 400 or getattr(request, "form_token_saved", False)


def _already_sent(request: HttpRequest, token: str) -> HttpResponse:
    first = FormSubmission.objects.filter(token=token).first()
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204)  # the first submission's answer is already on the page
    messages.info(request, "This form was already sent; it was saved once.")
    if first is not None and first.user_id == request.user.pk and first.result_url.startswith("/"):
        return redirect(first.result_url)
    return redirect(request.get_full_path())


def submit_once(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        token = request.POST.get(FORM_TOKEN_FIELD, "") if request.method == "POST" else ""
        user = request.user
        if not _TOKEN.fullmatch(token) or not user.is_authenticated:  # sign-in is required before any form
            return view(request, *args, **kwargs)
        try:
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        submission = FormSubmission.objects.create(token=token, user=user)
                except IntegrityError:
                    raise _Duplicate from None
                response = view(request, *args, **kwargs)
                if not _saved(request, response):
                    raise _NotSaved(response)  # roll the token back: the corrected form may be sent
                submission.result_url = response.get("Location", "")[:500]
                submission.save(update_fields=["result_url"])
        except _Duplicate:
            return _already_sent(request, token)
        except _NotSaved as not_saved:
            return not_saved.response
        return response

    return wrapped


@housekeeping("form_tokens_expire")
def form_tokens_expire(today: date) -> int:
    return FormSubmission.objects.filter(created_at__date__lt=today - timedelta(days=KEEP_DAYS)).delete()[0]

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class SessionIdleTimeoutMiddleware:
    """End the session after SESSION_COOKIE_AGE of inactivity.

    Touching the session renews its expiry; doing it at most every SESSION_REFRESH_SECONDS keeps
    pages free of a session write on every request while an idle session still expires on time.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get("last_seen", 0)
            if now - last_seen >= settings.SESSION_REFRESH_SECONDS:
                request.session["last_seen"] = now
        return self.get_response(request)

"""Local (username and password) sign-ins go to the sign-in log; company sign-ins are logged by
views.py, which knows the provider's answer."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from .backends import COMPANY_BACKEND
from .models import SignInEvent
from .services import record_sign_in


@receiver(user_logged_in)
def log_local_sign_in(sender, request, user, **kwargs) -> None:
    if getattr(user, "backend", "") == COMPANY_BACKEND:
        return
    record_sign_in(request=request, method=SignInEvent.Method.LOCAL, succeeded=True, user=user)


@receiver(user_login_failed)
def log_local_sign_in_failure(sender, credentials, request=None, **kwargs) -> None:
    locked_out = getattr(request, "axes_locked_out", False)
    record_sign_in(
        request=request,
        method=SignInEvent.Method.LOCAL,
        succeeded=False,
        username=str(credentials.get("username") or ""),
        reason="locked_out" if locked_out else "bad_credentials",
        detail="Too many failed attempts: locked out for a while." if locked_out else "Wrong username or password.",
    )

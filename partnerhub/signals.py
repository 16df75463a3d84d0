import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver


@receiver(user_logged_in)
def remember_sign_in_time(sender, request, user, **kwargs) -> None:
    # The login already writes the (new) session; starting the idle clock here saves a write later.
    if request is not None and hasattr(request, "session"):
        request.session["last_seen"] = int(time.time())

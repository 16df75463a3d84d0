"""One permission mixin for class-based views and one decorator for function views."""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .roles import Action, user_can


class ActionRequiredMixin:
    """Deny (403) unless the signed-in user may perform `required_action`.

    Sign-in itself is enforced for every view by LoginRequiredMiddleware.
    """

    required_action: Action

    def dispatch(self, request, *args, **kwargs):
        if not user_can(request.user, self.required_action):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def action_required(action: Action) -> Callable:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not user_can(request.user, action):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator

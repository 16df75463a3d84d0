"""Small helpers every app's views share."""

from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def apply_validation_error(form: Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form (field errors on their fields) instead of a 500."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def querystring_without_page(request: HttpRequest, *drop: str) -> str:
    """The current filters as a query string for pagination, sorting and export links."""
    query = request.GET.copy()
    for key in ("page", "format", *drop):
        query.pop(key, None)
    return query.urlencode()


def safe_next(request: HttpRequest, default: str) -> str:
    """The posted `next` when it is a path on this site, else `default`.

    Refuses other hosts (also spelled "//host" or "/\\host": no open redirect) and bare words, which
    `redirect()` would take for a view name (a 500). Found by tests/security/test_hostile_input.py.
    """
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default

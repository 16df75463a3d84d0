"""Small helpers every app's views share."""

from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest


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

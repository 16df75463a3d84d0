"""The request type of PartnerHub's views, for the type checker.

Every view but the sign-in pages runs behind LoginRequiredMiddleware (request.user is a signed-in
User, never AnonymousUser) and django-htmx's middleware (request.htmx). Annotate a view's request as
`SignedInRequest` to say so; `login_not_required` views keep `HttpRequest`.
"""

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class SignedInRequest(HttpRequest):
    user: User  # narrower than HttpRequest's User | AnonymousUser, as the middleware guarantees
    htmx: HtmxDetails

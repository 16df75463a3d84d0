"""The project's URLs plus the company sign-in endpoints, as they are when OIDC_ENABLED=true.

partnerhub/urls.py adds /oidc/ only when OIDC_ENABLED is true at its import; tests/conftest.py imports
it first with the test settings (off), so enabling OIDC in a test never leaves /oidc/ in the
project's own URLs for the tests that run after it in the same process."""

from django.urls import include, path

from partnerhub.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *(pattern for pattern in project_urlpatterns if str(pattern.pattern) != "oidc/"),
    path("oidc/", include("partnerhub.company_sign_in.urls")),
]

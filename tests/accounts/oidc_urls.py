"""The project's URLs plus the company sign-in endpoints, as they are when OIDC_ENABLED=true."""

from django.urls import include, path

from partnerhub.urls import urlpatterns as project_urlpatterns

urlpatterns = [*project_urlpatterns, path("oidc/", include("accounts.urls"))]

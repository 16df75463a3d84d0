"""Company sign-in endpoints, reachable before sign-in (they are the sign-in). Included under
/oidc/ when OIDC_ENABLED; the names are mozilla-django-oidc's, which earlier settings used."""

from django.urls import path

from . import views

urlpatterns = [
    path("authenticate/", views.company_sign_in_start, name="oidc_authentication_init"),
    path("callback/", views.company_sign_in_callback, name="oidc_authentication_callback"),
    path("logout/", views.SignOutView.as_view(), name="oidc_logout"),
]

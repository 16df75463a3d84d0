"""mozilla-django-oidc's endpoints, reachable before sign-in (they are the sign-in)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from mozilla_django_oidc import views

urlpatterns = [
    path("callback/", login_not_required(views.OIDCAuthenticationCallbackView.as_view()), name="oidc_authentication_callback"),
    path("authenticate/", login_not_required(views.OIDCAuthenticationRequestView.as_view()), name="oidc_authentication_init"),
    path("logout/", views.OIDCLogoutView.as_view(), name="oidc_logout"),
]

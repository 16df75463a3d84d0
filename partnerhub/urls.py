from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .company_sign_in.views import SignOutView
from .forms import SignInForm

urlpatterns = [
    path("", include("partnerhub.home_urls")),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=SignInForm),
        name="login",
    ),
    # Also ends the identity provider's session after a company sign-in (RP-initiated logout).
    path("accounts/logout/", SignOutView.as_view(), name="logout"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification-open"),
    path("history/<slug:app_label>/<slug:model_name>/<int:pk>/", views.history_fragment, name="history"),
    path("notifications/read-all/", views.notification_read_all, name="notifications-read-all"),
    path("notifications/settings/", views.notification_settings, name="notification-settings"),
    path("partners/", include("partners.urls")),
    path("activities/", include("activities.urls")),
    path("certifications/", include("certifications.urls")),
    path("funds/", include("funds.urls")),
    path("reporting/", include("reporting.urls")),
    path("admin/", admin.site.urls),
]

if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("partnerhub.company_sign_in.urls")))

"""Sign-in: the sign-in log (every local and company sign-in) and the optional company sign-in over
OpenID Connect (PyJWT, no third-party OIDC client).

models.py   CompanyIdentity (issuer + subject -> user) and SignInEvent (the log); part of the
            partnerhub app (imported by partnerhub/models.py).
oidc.py     the relying party: discovery, code exchange, ID token checks, userinfo.
services.py who a company sign-in is, its roles, and the sign-in log.
views.py    /oidc/authenticate/, /oidc/callback/ (urls.py, when OIDC_ENABLED) and the sign-out.
backends.py the authentication backend company sign-ins log in with.
signals.py  local sign-ins into the log (connected by partnerhub/apps.py).
admin.py    the admin pages (registered by partnerhub/admin.py).
The admin's command: manage.py link_company_account (partnerhub/management/commands/).
"""

"""PartnerHub settings. One source of truth: the environment (django-environ).

Development defaults (DEBUG on, SQLite, console email) only apply when DJANGO_DEBUG is true;
production has no default for secrets and fails loudly at start when one is missing.
"""

from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY") if not DEBUG else env("DJANGO_SECRET_KEY", default="dev-only-not-secret")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("PARTNERHUB_SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "import_export",
    "axes",
    "simple_history",
    "partnerhub",
    "partners",
    "activities",
    "certifications",
    "funds",
    "reporting",
]

MIDDLEWARE = [
    # First: probes get /healthz over plain HTTP by pod IP (no HTTPS redirect, no Host check).
    "partnerhub.middleware.ProbeMiddleware",
    # The client's address behind our proxies (TRUSTED_PROXY_COUNT), for throttling, records and logs.
    "partnerhub.middleware.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "partnerhub.input_middleware.RejectControlCharactersMiddleware",  # NUL & co. in URLs and query strings: 400
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a sign-in unless its view is marked @login_not_required (login, /healthz).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "partnerhub.middleware.SessionIdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "partnerhub.urls"
WSGI_APPLICATION = "partnerhub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "partnerhub.context_processors.navigation",
            ],
            # Swiss formats in every template without {% load %}: |money |amount |day |moment |person
            "builtins": ["partnerhub.templatetags.swiss"],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Choice fields iterate querysets; server-side cursors cost three round trips each for a few rows.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    # Server-side parameter binding lets psycopg prepare a statement it has run 5 times on a
    # connection, so PostgreSQL stops re-planning each page's same few queries (planning cost
    # up to 2–9 ms per query on the list pages).
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = env.bool("DATABASE_SERVER_SIDE_BINDING", default=True)
if env("TEST_DATABASE_NAME", default=""):
    # Lets two checkouts run the PostgreSQL suite side by side without clobbering one test DB.
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = env("TIME_ZONE", default="Europe/Zurich")
# PartnerHub is English only. With translation on, every form label, choice and message went
# through gettext on every render (hundreds of lookups per list page) for the same English text.
USE_I18N = False
USE_TZ = True
# Swiss formats (30.11.2026, 14:05, 480'000.00) for Django's own rendering: partnerhub/formats/en/.
FORMAT_MODULE_PATH = ["partnerhub.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
MAX_UPLOAD_BYTES = 10 * 1024 * 1024

CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://"),
    # Template fragments that are the same for every request of a role set (menus, asset links):
    # per process on purpose, so a deploy (new processes) never serves a stale menu or asset hash.
    # Off in development, where templates change under a running server.
    "fragments": {
        "BACKEND": "django.core.cache.backends.dummy.DummyCache" if DEBUG else "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "partnerhub-fragments",
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: console in development, SMTP (EMAIL_URL, e.g. smtp+tls://user:pw@host:587) in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
vars().update(EMAIL_CONFIG)
# A mail server that accepts the connection and never answers must not hold a worker for minutes.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="PartnerHub <partnerhub@vshn.ch>")

# Celery: Redis in production and CI. The web app never waits on the broker.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
# The web process publishes "deliver the outbox" after a commit; an unreachable broker must cost
# it a moment, not the user's request (the beat's every-minute run sends the mail later).
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
# One quick try when publishing: kombu's default is to retry after 2 s, which a user saving a form
# with the broker down would wait for (tests/partnerhub/test_outbox.py measures it).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Every hour at :07 by default — reminders are state-based, so an hourly sweep catches up on any
# missed run and the unique "reminder sent" row keeps each one to a single delivery. The rehearsal
# sets REMINDER_SWEEP_SECONDS to see the beat deliver within a minute.
REMINDER_SWEEP_SECONDS = env.int("REMINDER_SWEEP_SECONDS", default=0)
CELERY_BEAT_SCHEDULE = {
    "run-all-sweeps-hourly": {
        "task": "partnerhub.tasks.run_all_sweeps",
        "schedule": REMINDER_SWEEP_SECONDS or crontab(minute=7),
    },
    # Catch-up for mail queued while the broker was down (partnerhub/outbox.py).
    "deliver-outbox": {
        "task": "partnerhub.tasks.deliver_outbox",
        "schedule": 60.0,
    },
}

# Reminder lead times (days). Configurable per installation.
REMINDER_CONTRACT_NOTICE_DAYS = env.int("REMINDER_CONTRACT_NOTICE_DAYS", default=60)
REMINDER_SYNC_MEETING_LEAD_DAYS = env.int("REMINDER_SYNC_MEETING_LEAD_DAYS", default=2)
# Strategic partners (with an executive sponsor) have a QBR this often (activities/qbr.py); quarterly by default.
QBR_CADENCE_DAYS = env.int("PARTNERHUB_QBR_CADENCE_DAYS", default=91)
# Partner health from results (reporting/results_health.py, issue 18): an active partner with no won
# deal for this many quarters is "watch" (0 turns it off); a missing review of last quarter counts
# after this many days of the new quarter; the partner's score of us (0-10) falling by this much is
# "watch", at or below the low mark "at risk".
PARTNERHUB_HEALTH_NO_WON_DEAL_QUARTERS = env.int("PARTNERHUB_HEALTH_NO_WON_DEAL_QUARTERS", default=3)
PARTNERHUB_HEALTH_QBR_GRACE_DAYS = env.int("PARTNERHUB_HEALTH_QBR_GRACE_DAYS", default=30)
PARTNERHUB_HEALTH_PSAT_DROP = env.int("PARTNERHUB_HEALTH_PSAT_DROP", default=2)
PARTNERHUB_HEALTH_PSAT_LOW = env.int("PARTNERHUB_HEALTH_PSAT_LOW", default=4)
# The quarterly_review_due reminder (reporting/review_reminders.py): active partners of these types
# (codes) or program levels (tiers, e.g. "Premier") that had no review of last quarter.
PARTNERHUB_REVIEW_PARTNER_TYPES = env.list("PARTNERHUB_REVIEW_PARTNER_TYPES", default=["software-vendor", "csp"])
PARTNERHUB_REVIEW_TIERS = env.list("PARTNERHUB_REVIEW_TIERS", default=[])

# --- Security -------------------------------------------------------------------------------
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto. HTTPS settings default on in
# production and off in development; each can be switched by the environment.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
# The session ends after this much idle time: SessionIdleTimeoutMiddleware renews the expiry
# at most every SESSION_REFRESH_SECONDS while the user is active (not a write on every request).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=8 * 3600)
SESSION_REFRESH_SECONDS = env.int("SESSION_REFRESH_SECONDS", default=300)
SESSION_SAVE_EVERY_REQUEST = False
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts only from our own static files, never inline.
# Inline *styles* stay allowed for Bootstrap's width attributes on progress bars and htmx indicators.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Login throttling (django-axes): after 5 failures for a username from one address, 15 minutes off.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = env.bool("AXES_VERBOSE", default=False)  # no banner on every manage.py command
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# How many reverse proxies of ours stand in front of gunicorn (the TLS proxy, an ingress…): the
# client's address is then read from X-Forwarded-For (partnerhub/middleware.py) for login
# throttling, sign-in records and the access log alike. 0 (default) trusts no header. Never set it
# higher than the real number: a client could then choose its own address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=env.int("AXES_PROXY_COUNT", default=0))

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # One line per request with the client's address (gunicorn's own access log only knows the proxy's).
    "loggers": {"partnerhub.access": {"level": env("ACCESS_LOG_LEVEL", default="INFO")}},
}

# Axes first (it refuses locked-out logins), then the optional company sign-in, then local
# accounts (the break-glass path that always stays).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "partnerhub.auth_backends.PartnerHubBackend"]

# --- Sign-in: the sign-in log (always) and optional company sign-in (OpenID Connect) ----------
# partnerhub/company_sign_in/: company identities (issuer + subject) and the log of every sign-in,
# local or company.
OIDC_ENABLED = env.bool("OIDC_ENABLED", default=False)
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.insert(1, "partnerhub.company_sign_in.backends.CompanyAccountBackend")
    OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET")
    if not env("OIDC_OP_DISCOVERY_URL", default="") and not (
        env("OIDC_OP_AUTHORIZATION_ENDPOINT", default="") and env("OIDC_OP_TOKEN_ENDPOINT", default="")
    ):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("OIDC_ENABLED needs OIDC_OP_DISCOVERY_URL (or the OIDC_OP_*_ENDPOINT settings)")
# The provider's .well-known/openid-configuration: issuer, endpoints, keys and algorithms. Each
# OIDC_OP_* below, when set, overrides what discovery says (and without discovery they are needed).
OIDC_OP_DISCOVERY_URL = env("OIDC_OP_DISCOVERY_URL", default="")
OIDC_OP_ISSUER = env("OIDC_OP_ISSUER", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_OP_LOGOUT_ENDPOINT = env("OIDC_OP_LOGOUT_ENDPOINT", default="")
# ID token algorithms accepted (e.g. "RS256,ES256"); empty: the provider's asymmetric ones, else RS256.
OIDC_RP_SIGN_ALGO = env.list("OIDC_RP_SIGN_ALGO", default=[])
OIDC_RP_SCOPES = env("OIDC_RP_SCOPES", default="openid email profile groups")
OIDC_USE_PKCE = env.bool("OIDC_USE_PKCE", default=True)  # S256
OIDC_TOKEN_USE_BASIC_AUTH = env.bool("OIDC_TOKEN_USE_BASIC_AUTH", default=False)  # else client_secret_post
OIDC_LOGOUT_AT_PROVIDER = env.bool("OIDC_LOGOUT_AT_PROVIDER", default=True)  # RP-initiated logout
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=10)
OIDC_CLOCK_SKEW_SECONDS = env.int("OIDC_CLOCK_SKEW_SECONDS", default=60)
# Roles: the provider's group names (Keycloak: "/full/path" or its last segment) and app roles
# (Entra ID's "roles") that map to PartnerHub roles, read from the ID token and from userinfo, e.g.
# OIDC_GROUP_MAP="partnerhub-managers=Partner managers,partnerhub-sales=Sales"
OIDC_GROUP_CLAIM = env("OIDC_GROUP_CLAIM", default="groups")
OIDC_ROLE_CLAIM = env("OIDC_ROLE_CLAIM", default="roles")
OIDC_GROUP_MAP = env.dict("OIDC_GROUP_MAP", default={})
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6 behaviour today: a URL typed without scheme is https.
FORM_RENDERER = "partnerhub.form_renderer.JinjaWidgetRenderer"

# --- Monitoring and logs (README "Monitoring"; deploy/) ---------------------------------------
# GET /metrics with "Authorization: Bearer $METRICS_TOKEN" (partnerhub/metrics.py); unset: no /metrics.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Where the shared counters (tasks, reminders, sweep runs) live; default: the broker's Redis.
METRICS_REDIS_URL = env("METRICS_REDIS_URL", default="")
INSTALLED_APPS.append("django_prometheus")
PROMETHEUS_EXPORT_MIGRATIONS = False  # no database query at start
# Request latency, responses and exceptions per view: after the probes (not counted), and the
# "after" half just inside Axes, which stays last.
MIDDLEWARE.insert(
    MIDDLEWARE.index("partnerhub.middleware.ProbeMiddleware") + 1, "django_prometheus.middleware.PrometheusBeforeMiddleware"
)
MIDDLEWARE.insert(MIDDLEWARE.index("axes.middleware.AxesMiddleware"), "django_prometheus.middleware.PrometheusAfterMiddleware")
if env("PROMETHEUS_MULTIPROC_DIR", default=""):
    # gunicorn's workers (and any other process of the pod) write their metrics here; gunicorn
    # empties it at start (partnerhub/gunicorn_conf.py). It must exist before the first metric.
    Path(env("PROMETHEUS_MULTIPROC_DIR")).mkdir(parents=True, exist_ok=True)
# JSON lines on stdout in production, each with the request id (partnerhub/log_format.py); text in development.
LOG_FORMAT = env("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT == "json":
    LOGGING["formatters"] = {"json": {"()": "partnerhub.log_format.JsonFormatter"}}
    LOGGING["handlers"]["console"].update(formatter="json", stream="ext://sys.stdout")
# Celery keeps Django's logging (JSON lines too) instead of installing its own handlers.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"

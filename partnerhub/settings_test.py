"""Test settings: the same as production-like settings, with fast hashing and in-memory mail."""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}  # noqa: F405
STATIC_ROOT = None  # tests never collect static files; WhiteNoise then has no directory to warn about
# Tests render with the fragment cache as production does (development turns it off), so a
# cached menu that leaked between roles would fail them.
CACHES["fragments"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-fragments"}  # noqa: F405
# The web side only publishes "deliver the outbox" after a commit; in tests that goes to an
# in-memory broker nobody reads (tests deliver with partnerhub.outbox.deliver_due(), or start a
# real worker on Redis with the celery_on_redis fixture).
CELERY_BROKER_URL = "memory://"
LOGGING["loggers"]["partnerhub.access"]["level"] = "WARNING"  # noqa: F405  (one line per request otherwise)

"""Settings for the test suite: the real settings with a throw-away data directory."""

import os
import tempfile

os.environ.setdefault("RAPPORT_DATA_DIR", tempfile.mkdtemp(prefix="rapport-test-"))
os.environ.setdefault("RAPPORT_TESTING", "1")

from rapport.config.settings import *  # noqa: F403

# Hashing passwords slowly is a feature in production and a cost in tests.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

# A file rather than SQLite's shared-cache memory database: tests that post from several
# threads at once need SQLite's real locking (WAL and the busy timeout), as in production.
if "sqlite" in str(DATABASES["default"]["ENGINE"]):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405

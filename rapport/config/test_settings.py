"""Settings for the test suite: the real settings with a throw-away data directory."""

import os
import tempfile

os.environ.setdefault("RAPPORT_DATA_DIR", tempfile.mkdtemp(prefix="rapport-test-"))
os.environ.setdefault("RAPPORT_TESTING", "1")

from rapport.config.settings import *  # noqa: F403

# Hashing passwords slowly is a feature in production and a cost in tests.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

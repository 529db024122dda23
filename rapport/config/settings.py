"""The one settings module. Everything that differs between machines comes from the environment.

One machine (default): SQLite in WAL mode, SqliteHuey, local-memory cache.
Scale-out: ``DATABASE_URL=postgres://...`` and ``REDIS_URL=redis://...`` — the same code.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from rapport.config.env import (
    ConfigError,
    env_bool,
    env_int,
    env_key,
    env_list,
    env_secret_list,
    env_str,
    redis_database,
    stored_secret,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("RAPPORT_DATA_DIR", str(Path.cwd() / "var"))).resolve()

DEBUG = env_bool("RAPPORT_DEBUG", False)
TESTING = env_bool("RAPPORT_TESTING", False)
SECRET_KEY = stored_secret("SECRET_KEY", DATA_DIR)
# The key of secrets stored encrypted in the database (core/encryption.py): a dedicated one,
# or SECRET_KEY when not set. Old keys are still read until `rapport reencrypt` ran.
RAPPORT_ENCRYPTION_KEY = env_key("RAPPORT_ENCRYPTION_KEY", min_length=32)
RAPPORT_ENCRYPTION_OLD_KEYS = env_secret_list("RAPPORT_ENCRYPTION_OLD_KEYS")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The channels customers can reach the business on, one line each: the channel's
# description in its folder (``rapport/inboxes/adapters/<kind>/channel.py``). The folder
# is installed as an app, its URLs mounted, and every page finds it by the inbox's kind.
RAPPORT_CHANNELS = [
    "rapport.inboxes.adapters.webform.channel.WebFormChannel",
    "rapport.inboxes.adapters.api.channel.ApiChannel",
    "rapport.inboxes.adapters.email.channel.EmailChannel",
    "rapport.inboxes.adapters.chat.channel.ChatChannel",
    "rapport.inboxes.adapters.sms.channel.SmsChannel",
    "rapport.inboxes.adapters.whatsapp_twilio.channel.WhatsAppTwilioChannel",
    "rapport.inboxes.adapters.messenger.channel.MessengerChannel",
    "rapport.inboxes.adapters.instagram.channel.InstagramChannel",
    "rapport.inboxes.adapters.telegram.channel.TelegramChannel",
    "rapport.inboxes.adapters.x.channel.XChannel",
    "rapport.inboxes.adapters.whatsapp.channel.WhatsAppChannel",
    "rapport.inboxes.adapters.voice.channel.VoiceChannel",
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "channels",
    "ninja",  # serves the API docs' Swagger files locally instead of from a CDN
    "rapport.core",
    "rapport.accounts",
    "rapport.customers",
    "rapport.inboxes",
    "rapport.outbox",
    "rapport.conversations",
    "rapport.replies",
    "rapport.search",
    # Each channel's folder (``<folder>.channel.<Class>``) is an app: templates, tables.
    *[path.rsplit(".", 2)[0] for path in RAPPORT_CHANNELS],
    "rapport.realtime",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Providers' webhooks (/channels/<kind>/<key>) are answered here, past the rest.
    "rapport.inboxes.middleware.ProviderWebhookMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "rapport.core.middleware.ContentSecurityPolicyMiddleware",
    "rapport.core.middleware.ApiMethodNotAllowedMiddleware",
]

ROOT_URLCONF = "rapport.config.urls"
ASGI_APPLICATION = "rapport.config.asgi.application"
WSGI_APPLICATION = "rapport.config.wsgi.application"
# Who hears which domain event (rapport.core.events reads the table by this name).
EVENT_SUBSCRIBERS = "rapport.config.events.SUBSCRIBERS"
QUARANTINE_SOURCES = "rapport.config.quarantine.SOURCES"  # core/quarantine.py
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inbox"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]


def _database() -> dict[str, object]:
    default_sqlite = f"sqlite:///{DATA_DIR / 'rapport.sqlite3'}"
    url = env_str("DATABASE_URL", default_sqlite)
    # HTTP requests run in a fixed pool of WEB_THREADS threads (config/asgi.py), so each
    # thread keeps its connection for DB_CONN_MAX_AGE seconds instead of opening one per
    # request. On PostgreSQL, DB_POOL_SIZE turns on psycopg's connection pool instead.
    config: dict[str, object] = dict(
        dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    )
    # A `SELECT 1` before the first query of each request (and each job). `rapport worker`
    # turns it off (DB_HEALTH_CHECKS=0): its jobs are all store-first with a sweep, so a
    # broken connection fails one job, is closed after it, and the sweep retries the work.
    config["CONN_HEALTH_CHECKS"] = env_bool("DB_HEALTH_CHECKS", True)
    pool_size = env_int("DB_POOL_SIZE", 0)
    if pool_size and config["ENGINE"] == "django.db.backends.postgresql":
        config["CONN_MAX_AGE"] = 0  # the pool keeps the connections; Django must not
        config["OPTIONS"] = {"pool": {"min_size": 1, "max_size": pool_size, "timeout": 30}}
    if config["ENGINE"] in ("django.db.backends.sqlite3", "rapport.core.sqlite"):
        # WAL lets readers run while one writer writes; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue on the busy timeout instead of failing mid-transaction;
        # threads of one process queue on a lock instead (rapport/core/sqlite/base.py).
        config["ENGINE"] = "rapport.core.sqlite"
        config["OPTIONS"] = {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;PRAGMA cache_size=-65536;PRAGMA mmap_size=268435456;"
            ),
        }
        DATA_DIR.mkdir(parents=True, exist_ok=True)
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
# Threads of one web process that run Django's (synchronous) views; each holds a database
# connection. Websockets do not take one: they wait on the event loop.
# Four: SQLite takes one writer at a time and Python one thread at a time, so more threads
# only wait (the ingest benchmark was fastest with 1 to 4); enough to serve a slow client.
WEB_THREADS = env_int("WEB_THREADS", 4)
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "rapport.core.cache.SharedPoolRedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Websocket fan-out: in-process on one machine; through Redis when several processes serve.
CHANNEL_LAYERS: dict[str, dict[str, object]]
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # Redis pub/sub: a group send is one PUBLISH that Redis fans out to the
            # processes subscribed to the group, and each process reads its pushes from
            # one subscription. channels_redis' list-based layer stored every message
            # in a sorted set per process: four round trips a group send, four more a
            # received message, one at a time; at 100 chat messages/s across two
            # processes that saturated the visitors' process (docs/benchmarks.md).
            # Pushes are not kept in Redis: when this process's subscription is cut,
            # realtime/resume.py closes its sockets once it works again, and the widget
            # and live.js reconnect and resume from their last id.
            # Pub/sub channels are not kept apart by Redis database numbers the way keys
            # are: the prefix carries the number, so installations that share a Redis
            # server on different databases still never hear each other's pushes.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"rapport.{redis_database(REDIS_URL)}."},
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "rapport.realtime.memory_layer.SweepingInMemoryChannelLayer",
            "CONFIG": {"capacity": 1000},
        }
    }

HUEY: dict[str, object]
if REDIS_URL:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "rapport", "url": REDIS_URL}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "rapport",
        "filename": str(DATA_DIR / "jobs.sqlite3"),
    }
HUEY["immediate"] = env_bool("RAPPORT_JOBS_IMMEDIATE", TESTING)
HUEY["consumer"] = {
    "workers": env_int("RAPPORT_WORKER_THREADS", 2),
    "worker_type": "thread",
    # SqliteHuey polls; by default it backs off to 10 s when idle, which would hold a
    # reply that long. Poll quickly and never wait more than half a second.
    "initial_delay": 0.05,
    "backoff": 1.15,
    "max_delay": 0.5,
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start without it
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
# Attachments are never served from MEDIA_URL directly: a view checks access first.
MEDIA_URL = "/_media-not-served/"
STORAGES = {
    # Written under a temporary name and renamed: a full disk leaves no truncated file.
    "default": {"BACKEND": "rapport.core.storage.AtomicFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Limits on what outsiders may send.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BYTES", 2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
RAPPORT_MAX_ATTACHMENT_BYTES = env_int("MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
RAPPORT_MAX_MESSAGE_CHARS = env_int("MAX_MESSAGE_CHARS", 50_000)
# Where phone numbers written without a country code are read from (an ISO 3166 code such
# as "US" or "DE"); empty: such numbers are refused rather than guessed.
RAPPORT_PHONE_REGION = env_str("PHONE_REGION", "").upper()
# The webhook endpoint remembers the inbox at an address this long (inboxes/inbound.py):
# a changed token or a switched-off inbox takes effect after it. 0: read it every time.
RAPPORT_WEBHOOK_INBOX_SECONDS = env_int("WEBHOOK_INBOX_SECONDS", 0 if TESTING else 5)
# Stored webhook requests (inboxes.RawWebhook) are deleted this many days after they were
# processed; quarantined ones are kept until retried or deleted (inboxes/tasks.py).
RAPPORT_WEBHOOK_RETENTION_DAYS = env_int("WEBHOOK_RETENTION_DAYS", 7)
# Each worker process (rapport worker, or rapport serve's) processes stored webhook
# requests on this many threads, each taking up to RAPPORT_WEBHOOK_BATCH waiting requests
# into one transaction (inboxes/webhook_queue.py).
RAPPORT_WEBHOOK_THREADS = env_int("RAPPORT_WEBHOOK_THREADS", 2)
RAPPORT_WEBHOOK_BATCH = env_int("RAPPORT_WEBHOOK_BATCH", 32)
# Where the Twilio channels (SMS, WhatsApp, Voice) send and fetch media; a setting so
# tests run against a local server.
TWILIO_API_BASE = env_str("TWILIO_API_BASE", "https://api.twilio.com")
# The same for Meta's Graph API (WhatsApp Cloud, Messenger, Instagram), Telegram's Bot API
# and X's API.
META_GRAPH_API_BASE = env_str("META_GRAPH_API_BASE", "https://graph.facebook.com/v21.0")
TELEGRAM_API_BASE = env_str("TELEGRAM_API_BASE", "https://api.telegram.org")
X_API_BASE = env_str("X_API_BASE", "https://api.x.com")
RAPPORT_WEBFORM_RATE = env_int("WEBFORM_SUBMISSIONS_PER_HOUR", 20)
# Hosts (as written in a URL) that webhooks may reach although they are internal: the
# tests' local receivers, or a service on the installation's own network (core/safe_http.py).
RAPPORT_WEBHOOK_ALLOW_HOSTS = env_list("RAPPORT_WEBHOOK_ALLOW_HOSTS", [])

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "support@rapport.localhost")

# Single sign-on through OpenID Connect: off unless OIDC_DISCOVERY_URL and OIDC_CLIENT_ID
# are set (README, "Signing in"). Checked here so a typo stops Rapport at start.
OIDC_DISCOVERY_URL = env_str("OIDC_DISCOVERY_URL")
OIDC_CLIENT_ID = env_str("OIDC_CLIENT_ID")
OIDC_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET")
OIDC_ALLOWED_DOMAINS = [domain.lower() for domain in env_list("OIDC_ALLOWED_DOMAINS", [])]
OIDC_DEFAULT_ROLE = env_str("OIDC_DEFAULT_ROLE", "agent")
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "single sign-on")
if OIDC_DEFAULT_ROLE not in {"admin", "supervisor", "agent", "light"}:
    raise ConfigError(
        f"OIDC_DEFAULT_ROLE must be admin, supervisor, agent or light, not {OIDC_DEFAULT_ROLE!r}"
    )
if OIDC_DISCOVERY_URL and not OIDC_DISCOVERY_URL.startswith(("https://", "http://")):
    raise ConfigError(f"OIDC_DISCOVERY_URL must be an http(s) URL, not {OIDC_DISCOVERY_URL!r}")

# Django's database sessions, with only a hash of each key stored (core/sessions.py).
SESSION_ENGINE = "rapport.core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {"rapport": {"level": env_str("LOG_LEVEL", "INFO"), "propagate": True}},
}

"""Settings for Orchestration Advisor.

One module, driven by environment variables. ``DJANGO_DEBUG=true`` (set by ``make run`` and
the test suite) gives a zero-setup development site (SQLite, tasks run eagerly, mail to the
console); without it the production profile applies, which passes ``manage.py check --deploy``.
A malformed boolean or integer stops start-up with a message naming the variable; secrets
can also be read from files named by ``*_FILE`` variables.
"""

import os
from datetime import timedelta
from email.utils import getaddresses
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


TRUE_WORDS = ("true", "1", "yes", "on")
FALSE_WORDS = ("false", "0", "no", "off")


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_secret(name: str, default: str = "") -> str:
    """`name` itself, or the contents of the file that `name_FILE` points to (mounted secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if not path:
        return env(name, default)
    if os.environ.get(name):
        raise ImproperlyConfigured(f"{name} and {name}_FILE are both set: set only one of them.")
    try:
        # Secret files usually end with a newline that is not part of the secret.
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as error:
        raise ImproperlyConfigured(
            f"{name}_FILE={path!r} cannot be read: {error.strerror}."
        ) from None


def env_bool(name: str, default: bool) -> bool:
    """A typo (`ture`) stops start-up rather than silently meaning false."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={os.environ[name]!r} is not a boolean: use true or false "
        f"(or {'/'.join(TRUE_WORDS[1:])} and {'/'.join(FALSE_WORDS[1:])})."
    )


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={os.environ[name]!r} is not an integer: use a whole number such as {default}."
        ) from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_admins(name: str) -> list[tuple[str, str]]:
    """`Name <a@example.com>, Other <b@example.com>` as Django's ADMINS pairs."""
    value = env(name)
    admins = getaddresses([value]) if value.strip() else []
    if any("@" not in address for _, address in admins):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a list of e-mail addresses: "
            "use `Name <name@example.com>, Other <other@example.com>`."
        )
    return admins


# --- Core ---
# Off unless asked for: a deployment that forgets the variable must not run in debug with the
# committed development key. `make run` and the test suite turn it on.
DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_secret("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false "
            "(for development set DJANGO_DEBUG=true, as `make run` does)."
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# How many proxies of ours stand between the client and gunicorn, each appending the address
# it saw to X-Forwarded-For. 0: the socket address is the client's. N: the N-th entry from the
# right is (apps.core.clients.client_address). Rate limits, API throttles and axes read it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(
        f"TRUSTED_PROXY_COUNT={TRUSTED_PROXY_COUNT} is negative: use 0 (no proxy) or the "
        "number of proxies in front of gunicorn."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "simple_history",
    "import_export",
    "axes",
    "apps.core",
    "apps.accounts",
    "apps.catalog",
    "apps.faq",
    "apps.questionnaire",
    "apps.cases",
    "apps.assessments",
    "apps.reports",
    "apps.sharing",
    "apps.teams",
    "apps.booking",
    "apps.dashboard",
    "apps.notifications",
    "apps.seed",
]

MIDDLEWARE = [
    "apps.core.middleware.RequestIdMiddleware",
    "apps.core.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "apps.core.middleware.ContentSecurityPolicyMiddleware",
    "apps.core.middleware.PrivatePageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and API answers gzipped, BREACH-safe (apps/core/compression.py, README).
    "apps.core.compression.CompressionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
                "apps.core.context_processors.site",
            ],
            # {% partialdef %} without {% load %} in every template (django-template-partials).
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]

# --- Database ---
DATABASES = {
    "default": dj_database_url.parse(
        env_secret("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has one writer at a time. A default (deferred) transaction that has read and
    # then wants to write cannot wait for another writer without risking a deadlock, so it
    # fails at once with "database is locked"; IMMEDIATE takes the write lock at BEGIN,
    # where waiting is safe, for up to `timeout` seconds. WAL lets reads go on while one
    # transaction writes; with WAL, synchronous=NORMAL skips an fsync per commit (a power
    # cut may lose the last commits, never the database). Tested by test_sqlite_concurrency.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )

# --- Cache ---
# Rate limits and idempotency keys live in the cache: use Redis when several processes serve.
CACHE_URL = env_secret("CACHE_URL")
if CACHE_URL:
    CACHES = {
        "default": {
            # Answers like an empty cache while Redis is down, so an outage of the broker's
            # Redis degrades rate limits instead of failing every request.
            "BACKEND": "apps.core.cache.FailOpenRedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth ---
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:index"
LOGOUT_REDIRECT_URL = "catalog:home"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client's address as our rate limits see it (TRUSTED_PROXY_COUNT), not the proxy's.
AXES_CLIENT_IP_CALLABLE = "apps.core.clients.client_address"

# --- Internationalisation ---
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media files ---
STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    # S3-compatible object storage. Without these two, boto3 looks for credentials itself
    # (AWS_* variables, instance roles).
    AWS_ACCESS_KEY_ID = env_secret("AWS_ACCESS_KEY_ID") or None
    AWS_SECRET_ACCESS_KEY = env_secret("AWS_SECRET_ACCESS_KEY") or None
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME") or None
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    _default_storage = {"BACKEND": "storages.backends.s3.S3Storage"}
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- E-mail ---
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Orchestration Advisor <advisor@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SALES_EMAIL = env("SALES_EMAIL", "sales@localhost")

# --- Celery ---
CELERY_BROKER_URL = env_secret("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env_secret("CELERY_RESULT_BACKEND") or None
# Without a broker every task runs in-process at once: the zero-setup default.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes every database connection before and after each task unless
# this is set: a new PostgreSQL connection per task was two thirds of a scoring task's time in
# the worker (bench_submit). The fixup now leaves them alone, and config.celery recycles them
# the Django way around each task (CONN_MAX_AGE, health checks, a connection left broken).
CELERY_DB_REUSE_MAX = 1_000_000_000
# Publishing must not hang a web request when the broker is down: the sweep re-queues later.
# With acks late, a message taken by a worker that dies is delivered again once it has been
# unacknowledged for `visibility_timeout` seconds (Redis transport); it must stay above the
# longest task (CELERY_TASK_TIME_LIMIT). The fault tests lower it to see a redelivery quickly.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
}
# A burst of submissions must not wait behind their PDF reports (a second of CPU each): the
# renders go to a queue of their own, `reports`, which a worker of its own takes at a lower
# CPU priority (Procfile: `nice -n 10 celery ... -Q reports`); the scoring worker takes only
# `celery`. Measured by `make bench` (bench_load, bench_submit).
REPORTS_QUEUE = "reports"
# On the default queue a prospect's scoring goes first: what follows from it for Sales (a
# lead's notifications and webhooks) and a staff member's bulk re-score wait behind it. With
# Redis a priority is a list of its own, and a worker takes from the lowest number first
# (0, the default, then 3, 6, 9); a burst of 200 scored leads no longer interleaves 200
# notification fan-outs with the scorings still waiting (bench_load).
BACKGROUND_PRIORITY = 9
CELERY_TASK_ROUTES = {
    "reports.render_report": {"queue": REPORTS_QUEUE, "priority": BACKGROUND_PRIORITY},
    "notifications.*": {"priority": BACKGROUND_PRIORITY},
    "dashboard.rescore_chunk": {"priority": BACKGROUND_PRIORITY},
}
CELERY_BEAT_SCHEDULE = {
    "requeue-pending-assessments": {
        "task": "assessments.requeue_pending",
        "schedule": timedelta(seconds=env_int("ASSESSMENT_REQUEUE_EVERY_SECONDS", 60)),
    },
    # Publishes the tasks kept in the outbox while the broker was down (apps.core.queue).
    "flush-outbox": {
        "task": "core.flush_outbox",
        "schedule": timedelta(seconds=env_int("OUTBOX_FLUSH_EVERY_SECONDS", 30)),
    },
    "send-booking-reminders": {
        "task": "booking.send_reminders",
        "schedule": timedelta(minutes=10),
    },
    "generate-booking-slots": {
        "task": "booking.generate_slots",
        "schedule": crontab(minute=5),
    },
    "purge-stale-drafts": {
        "task": "assessments.purge_stale_drafts",
        "schedule": crontab(hour=3, minute=15),
    },
    # Lead and booking events whose fan-out run was lost (apps.notifications.services.events).
    "dispatch-events": {
        "task": "notifications.dispatch_events",
        "schedule": timedelta(seconds=env_int("NOTIFICATIONS_DISPATCH_EVERY_SECONDS", 60)),
    },
    # Webhook retries that are due (apps.notifications.services.webhooks: backoff up to 24 h).
    "retry-webhooks": {
        "task": "notifications.retry_webhooks",
        "schedule": timedelta(minutes=1),
    },
    # Each Sales user's daily digest, at the local time they chose.
    "send-notification-digests": {
        "task": "notifications.send_digests",
        "schedule": timedelta(minutes=5),
    },
}

# --- REST framework ---
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Ours key on apps.core.clients (TRUSTED_PROXY_COUNT); NUM_PROXIES keeps any stock DRF
    # throttle from trusting a client-written X-Forwarded-For (DRF's default, None, does).
    "DEFAULT_THROTTLE_CLASSES": ["apps.core.throttling.AnonRateThrottle"],
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_ANON_RATE", "600/minute"),
        "submit": env("API_SUBMIT_RATE", "30/minute"),
        "booking": env("API_BOOKING_RATE", "30/minute"),
        "share": env("API_SHARE_RATE", "60/minute"),
    },
    "DEFAULT_PAGINATION_CLASS": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Orchestration Advisor API",
    "DESCRIPTION": "Comparison matrix, FAQ, questionnaire, assessments and booking.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files, never a CDN.
    "ENUM_NAME_OVERRIDES": {
        "TechnologyKindEnum": "apps.catalog.models.Technology.Kind",
        "QuestionKindEnum": "apps.questionnaire.models.Question.Kind",
        "PointKindEnum": "apps.catalog.models.TechnologyPoint.Kind",
        "TeamRoleEnum": "apps.teams.models.Role",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Rate limits for public forms (apps.core.ratelimit, counting with django-ratelimit) ---
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
PUBLIC_FORM_RATE = env("PUBLIC_FORM_RATE", "20/m")
TOKEN_LOOKUP_RATE = env("TOKEN_LOOKUP_RATE", "60/m")
# Reset mails per e-mail address, whoever asks: a mailbox is never flooded.
PASSWORD_RESET_RATE = env("PASSWORD_RESET_RATE", "3/h")

# --- Security ---
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads no cookie; the token travels in hx-headers.
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Only `make serve` on plain-HTTP loopback turns these off; a deployment never should.
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
# Scripts only from our origin; plotly injects <style> elements, so styles allow inline.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# --- Logging ---
LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "apps.core.logging.RequestIdFilter"},
        # No private link's token in a log line: on the handler and on the loggers that print
        # request paths (filters of a logger act before any handler, also a test's caplog).
        "redact_tokens": {"()": "apps.core.logging.RedactTokensFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "apps.core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "redact_tokens"],
            "formatter": env("LOG_FORMAT", "plain"),
        },
        # Django's own error mail to ADMINS, minus private-link tokens.
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "apps.core.logging.RedactingAdminEmailHandler",
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's records reach the root console by propagation, and ADMINS by mail.
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["redact_tokens"]},
        "django.security.csrf": {"filters": ["redact_tokens"]},
        # runserver's request lines, through the console handler rather than Django's own.
        "django.server": {
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
            "filters": ["redact_tokens"],
        },
        "celery": {"level": LOG_LEVEL},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Error reporting ---
# Unhandled errors reach someone: with DEBUG off Django mails every 500 to ADMINS, and Sentry
# (when SENTRY_DSN is set) collects errors from the web processes and the Celery workers.
ADMINS = env_admins("DJANGO_ADMINS")
SENTRY_DSN = env_secret("SENTRY_DSN")
if SENTRY_DSN:
    # Imported only when used: a site without Sentry does not pay for loading the SDK.
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    from apps.core.private_links import scrub_sentry_event

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", "development" if DEBUG else "production"),
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # Visitors' e-mail addresses and IPs stay out of the error reports, and so do the
        # tokens in private links' URLs.
        send_default_pii=False,
        before_send=scrub_sentry_event,  # type: ignore[arg-type]
    )

# --- Product ---
# Render the PDF report in the worker right after scoring (tests turn it off to stay fast).
REPORTS_RENDER_AFTER_SCORING = env_bool("REPORTS_RENDER_AFTER_SCORING", True)
# A render waits while the scoring queue has messages waiting, up to this many seconds: prospects
# waiting for their score go first (apps.reports.tasks). Keep it well below the render's soft
# time limit (120 s), which the wait counts towards.
REPORTS_YIELD_SECONDS = env_int("REPORTS_YIELD_SECONDS", 30)
SHARE_LINK_DEFAULT_DAYS = env_int("SHARE_LINK_DEFAULT_DAYS", 30)
# A submission still pending after this long had its task lost (broker down): queue it again.
ASSESSMENT_REQUEUE_AFTER = timedelta(seconds=env_int("ASSESSMENT_REQUEUE_AFTER_SECONDS", 120))
DRAFT_RETENTION = timedelta(days=env_int("DRAFT_RETENTION_DAYS", 90))
BROWSER_TESTS_REQUIRED = env_bool("BROWSER_TESTS_REQUIRED", False)
# Webhooks (apps.notifications): endpoints whose host resolves to a loopback, link-local or
# private address are refused unless this is true (a CRM on the same private network; tests).
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", False)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_RETRY_HOURS = env_int("WEBHOOK_RETRY_HOURS", 24)

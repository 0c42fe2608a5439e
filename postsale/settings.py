"""Postsale settings: one module, every value from the environment (see README, .env.example)."""

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from postsale.lib.env import envbool, envcidrs, envint, envlist, envstr, secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = envbool("DEBUG", False)
SECRET_KEY = secret_key(debug=DEBUG, var_dir=VAR_DIR)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

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
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "anymail",
    "accounts",
    "customers",
    "followups",
    "surveys",
    "reports",
    "campaigns",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.StaffLoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "postsale.urls"
WSGI_APPLICATION = "postsale.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: SQLite under var/ unless DATABASE_URL says otherwise -------------------------
SQLITE_PATH = VAR_DIR / "postsale.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"), conn_max_age=envint("DB_CONN_MAX_AGE", 60)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: WAL lets readers run beside the writer, IMMEDIATE
    # transactions take the write lock up front so two writers queue instead of deadlocking.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Paths reached without a staff login: customers' pages, the API (token auth), health checks.
LOGIN_EXEMPT_PREFIXES = ("/accounts/", "/api/", "/c/", "/healthz", "/readyz", "/i18n/",
                         "/anymail/", "/static/", "/admin/")

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = envstr("TIME_ZONE", "Europe/Madrid")
USE_I18N = True
USE_TZ = True

# --- Static files: served by whitenoise, nothing from a CDN ---------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Celery: Redis in production, a file-system broker that needs no server by default ------
REDIS_URL = envstr("REDIS_URL", "")
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # filesystem:// is kombu's transport with atomic writes (postsale/lib/filebroker.py, made the
    # scheme's transport in postsale/celery.py); every folder, the exchange tables' "control"
    # too, under VAR_DIR, never the working directory.
    for sub in ("queue", "processed", "control", "bad"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "bad_folder": str(BROKER_DIR / "bad"),
        "store_processed": False,
    }
else:
    # Longer than the longest task (hard limit below), so Redis never hands a running task to a
    # second worker while the first still holds it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_DEFAULT_QUEUE = envstr("CELERY_QUEUE", "postsale")
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = TIME_ZONE
# Short, idempotent sweeps; no long countdown/ETA task ever sits in the broker.
CELERY_BEAT_SCHEDULE = {
    "dispatch": {"task": "followups.tasks.dispatch_sweep_task", "schedule": 10.0},
    "recover-stuck": {"task": "followups.tasks.recover_stuck_task", "schedule": 60.0},
    "late-deliveries": {"task": "followups.tasks.late_deliveries_sweep_task", "schedule": 300.0},
    "birthdays": {"task": "followups.tasks.birthdays_sweep_task", "schedule": 900.0},
    "stuck-parcels": {"task": "followups.tasks.stuck_parcels_sweep_task", "schedule": 3600.0},
    "lifecycle": {"task": "customers.tasks.lifecycle_sweep_task", "schedule": 86400.0},
    "survey-reminders": {"task": "surveys.tasks.survey_reminders_sweep_task", "schedule": 900.0},
    "campaigns": {"task": "campaigns.tasks.campaigns_sweep_task", "schedule": 3600.0},
}
# Longer than the task hard time limit, so a row is only recovered once its worker is gone.
FOLLOWUPS_SENDING_LEASE_SECONDS = envint("FOLLOWUPS_SENDING_LEASE_SECONDS", 900)

# --- Public pages: what tells a mail scanner's POST from a person's (postsale/lib/scanners.py) -
# Networks the mail security gateways' scanners come from, as their vendors publish them for
# allow-listing: Microsoft Exchange Online Protection, Proofpoint, Mimecast (US, EU), Barracuda.
# A starting list: replace it with SCANNER_NETWORKS (comma-separated CIDRs) when yours differ.
SCANNER_NETWORKS = envcidrs("SCANNER_NETWORKS", [
    "40.92.0.0/15", "40.107.0.0/16", "52.100.0.0/15", "104.47.0.0/17",  # Microsoft EOP
    "67.231.144.0/20", "148.163.128.0/19",  # Proofpoint
    "205.139.110.0/24", "207.211.30.0/24", "195.130.217.0/24", "91.220.42.0/24",  # Mimecast
    "64.235.144.0/20", "209.222.80.0/21",  # Barracuda
])
# A POST sooner than this after its mail was sent is a scanner's: nobody opens a mail, its link
# and presses a button that fast (mail scanners act on delivery).
SCANNER_AFTER_DELIVERY_SECONDS = envint("SCANNER_AFTER_DELIVERY_SECONDS", 10)

# --- Mail: kept in the app by default; any django-anymail ESP by environment -----------------
EMAIL_ESP = envstr("EMAIL_ESP", "").strip().lower()
ESP_BACKENDS = {
    "": "followups.mailbox.KeptMailBackend",
    "kept": "followups.mailbox.KeptMailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "test": "anymail.backends.test.EmailBackend",
}
EMAIL_BACKEND = ESP_BACKENDS.get(EMAIL_ESP, f"anymail.backends.{EMAIL_ESP}.EmailBackend")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Postsale <hola@postsale.example>")
SUPPORT_REPLY_TO = envstr("SUPPORT_REPLY_TO", "soporte@postsale.example")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
KEPT_MAIL_LATENCY_MS = envint("KEPT_MAIL_LATENCY_MS", 0)  # simulated ESP latency (fault tests)
# ANYMAIL_<SETTING> variables (ANYMAIL_MAILGUN_API_KEY, ANYMAIL_WEBHOOK_SECRET, ...) pass through.
ANYMAIL = {key.removeprefix("ANYMAIL_"): value for key, value in os.environ.items()
           if key.startswith("ANYMAIL_")}
ANYMAIL.setdefault("WEBHOOK_SECRET", envstr("WEBHOOK_SECRET", "postsale:change-me" if DEBUG else ""))
if not DEBUG and not ANYMAIL["WEBHOOK_SECRET"]:
    raise ImproperlyConfigured("ANYMAIL_WEBHOOK_SECRET is required when DEBUG is off.")

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Reading needs the model's view permission too (plain DjangoModelPermissions lets any
    # signed-in user read).
    "DEFAULT_PERMISSION_CLASSES": ["customers.api.permissions.ModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle",
                                 "rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": envstr("API_THROTTLE_USER", "6000/min"),
                               "anon": envstr("API_THROTTLE_ANON", "60/min")},
    "EXCEPTION_HANDLER": "postsale.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Postsale API",
    "DESCRIPTION": "Customers, sales, deliveries, complaints, messages and survey answers.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI's files come from the drf-spectacular-sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"DeliveryStatusEnum": "customers.choices.DeliveryStatus",
                            "ComplaintStatusEnum": "customers.choices.ComplaintStatus"},
}

# --- Cache (rate limits, throttles): Redis database 1 by default, apart from the broker's 0 --
CACHE_URL = envstr("CACHE_URL", re.sub(r"/\d*$", "", REDIS_URL.rstrip("/")) + "/1" if REDIS_URL else "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# --- Production hardening (all on when DEBUG is off) ----------------------------------------
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

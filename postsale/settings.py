"""Postsale settings: one module, every value from the environment (see README, .env.example)."""

import datetime as dt
import importlib.util
import os
import re
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
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
# Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks); empty = none,
# so the socket address is the client's (see postsale/lib/client_ip.py).
TRUSTED_PROXIES = envcidrs("TRUSTED_PROXIES", [])

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
    "axes",
    "simple_history",  # who changed what on customers and cases (customers/history.py)
    "accounts",
    "customers",
    "followups",
    "surveys",
    "reports",
    "django_htmx",  # request.htmx for the support workspace's inline actions
    "support",
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
    # the request's user becomes the author of each history row (API token users too: DRF sets
    # the user on this same request when it authenticates)
    "simple_history.middleware.HistoryRequestMiddleware",
    "postsale.middleware.RejectNulBytesMiddleware",
    "postsale.middleware.ApiNotFoundJsonMiddleware",
    "postsale.db_router.ReplicaPinMiddleware",
    "accounts.middleware.StaffLoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "support.middleware.StaffPageHeadersMiddleware",  # CSP and no-store on staff pages
    # last, as django-axes asks: turns a locked-out login into its page
    "axes.middleware.AxesMiddleware",
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
        envstr("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        # A kept connection is checked before its first use in each request or task: after a
        # PostgreSQL restart (or failover) the first request of every gunicorn worker and the
        # first task of every Celery process reconnect instead of failing with a 500
        # (tests/postsale/test_fault_postgres_restart.py).
        conn_health_checks=True,
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
# Behind PgBouncer in transaction pooling a server-side cursor can outlive its transaction's
# server connection: Django must not use them (DATABASE_POOLER=pgbouncer).
DATABASE_POOLER = envstr("DATABASE_POOLER", "").strip().lower()
if DATABASE_POOLER == "pgbouncer":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The customers' pages run their SELECTs as prepared statements (postsale/lib/prepared.py),
    # all lookups by a key: they keep one plan instead of planning anew every time PostgreSQL
    # guesses a generic plan dearer (a link's token hash at a million messages did: 3 ms a
    # request). Only prepared statements are affected; nothing else here prepares any.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c plan_cache_mode=force_generic_plan".strip()
# A read replica: the reports' and exports' reads go there (postsale/db_router.py), except for a
# user who wrote in the last DATABASE_REPLICA_PIN_SECONDS.
DATABASE_REPLICA_URL = envstr("DATABASE_REPLICA_URL", "")
DATABASE_REPLICA_READS = bool(DATABASE_REPLICA_URL)
DATABASE_REPLICA_PIN_SECONDS = envint("DATABASE_REPLICA_PIN_SECONDS", 10)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    if DATABASE_POOLER == "pgbouncer":
        DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DATABASE_ROUTERS = ["postsale.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# gunicorn and Celery workers collect garbage less often once started (postsale/lib/gc_tuning.py).
GC_TUNING = envbool("GC_TUNING", True)

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login lockout (django-axes): a user name, or an address, is locked after AXES_FAILURE_LIMIT wrong
# passwords for AXES_COOLOFF_MINUTES; a manager unlocks at /accounts/lockouts/ (or
# `manage.py axes_reset_username <name>`). The address is the one TRUSTED_PROXIES lets us believe.
AUTHENTICATION_BACKENDS = ["accounts.backends.LockoutBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "postsale.lib.client_ip.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Password reset mails per hour, per address asked for and per client (accounts/views.py).
PASSWORD_RESET_PER_EMAIL_PER_HOUR = envint("PASSWORD_RESET_PER_EMAIL_PER_HOUR", 3)
PASSWORD_RESET_PER_IP_PER_HOUR = envint("PASSWORD_RESET_PER_IP_PER_HOUR", 10)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Paths reached without a staff login: customers' pages, the API (token auth), health checks.
LOGIN_EXEMPT_PREFIXES = (
    "/accounts/",
    "/api/",
    "/c/",
    "/healthz",
    "/readyz",
    "/i18n/",
    "/anymail/",
    "/static/",
    "/admin/",
)

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
    # Redis Sentinel: CELERY_BROKER_URL=sentinel://host1:26379;sentinel://host2:26379 and the
    # master's name here.
    if CELERY_BROKER_URL.startswith("sentinel://"):
        CELERY_BROKER_TRANSPORT_OPTIONS["master_name"] = envstr("CELERY_SENTINEL_MASTER", "mymaster")
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
# PostgreSQL work_mem for the dashboard's rollup rebuild only (its sorts over millions of rows).
REPORTS_ROLLUP_WORK_MEM = envstr("REPORTS_ROLLUP_WORK_MEM", "256MB")
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
    # Nightly, after the day is over: refit the purchase model as of yesterday, rescore everyone.
    "purchase-model": {
        "task": "reports.tasks.purchase_model_refit_task",
        "schedule": crontab(hour=2, minute=30),
    },
    "sla-escalation": {"task": "support.tasks.sla_escalation_sweep_task", "schedule": 60.0},
    # Hourly, claimed per manager and week: Monday's first run sends, the others find it sent.
    "weekly-digest": {"task": "reports.tasks.weekly_digest_task", "schedule": 3600.0},
    # The dashboard's preset periods, recomputed before their snapshots expire (15 min).
    "report-snapshots": {"task": "reports.tasks.refresh_snapshots_task", "schedule": 600.0},
    "campaigns": {"task": "campaigns.tasks.campaigns_sweep_task", "schedule": 3600.0},
    # The dashboard's rollups (reports.rollups), rebuilt whole; the pages say "as of" when.
    "report-rollups": {"task": "reports.tasks.rebuild_rollups_task", "schedule": 900.0},
}
# Longer than the task hard time limit, so a row is only recovered once its worker is gone.
FOLLOWUPS_SENDING_LEASE_SECONDS = envint("FOLLOWUPS_SENDING_LEASE_SECONDS", 900)

# --- Public pages: what tells a mail scanner's POST from a person's (postsale/lib/scanners.py) -
# Networks the mail security gateways' scanners come from, as their vendors publish them for
# allow-listing: Microsoft Exchange Online Protection, Proofpoint, Mimecast (US, EU), Barracuda.
# A starting list: replace it with SCANNER_NETWORKS (comma-separated CIDRs) when yours differ.
SCANNER_NETWORKS = envcidrs(
    "SCANNER_NETWORKS",
    [
        "40.92.0.0/15",
        "40.107.0.0/16",
        "52.100.0.0/15",
        "104.47.0.0/17",  # Microsoft EOP
        "67.231.144.0/20",
        "148.163.128.0/19",  # Proofpoint
        "205.139.110.0/24",
        "207.211.30.0/24",
        "195.130.217.0/24",
        "91.220.42.0/24",  # Mimecast
        "64.235.144.0/20",
        "209.222.80.0/21",  # Barracuda
    ],
)
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
# The ESPs whose webhooks (/anymail/<esp>/...) answer; every other ESP's URL is a 404.
WEBHOOK_ESPS = [
    esp.lower() for esp in envlist("WEBHOOK_ESPS", [] if EMAIL_ESP in ESP_BACKENDS else [EMAIL_ESP])
]
# A typo, or an ESP whose extra package is missing, fails here by name, not as a 500 later.
for _name, _esp, _module in (
    [("EMAIL_ESP", EMAIL_ESP, "backends")] if EMAIL_ESP not in ESP_BACKENDS else []
) + [("WEBHOOK_ESPS", esp, "webhooks") for esp in WEBHOOK_ESPS]:
    if importlib.util.find_spec(f"anymail.{_module}.{_esp}") is None:
        raise ImproperlyConfigured(f"{_name}: {_esp!r} is not an ESP django-anymail knows.")
    if _esp == "amazon_ses" and importlib.util.find_spec("boto3") is None:
        raise ImproperlyConfigured(f"{_name}: amazon_ses needs boto3: pip install 'postsale[amazon-ses]'.")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Postsale <hola@postsale.example>")
SUPPORT_REPLY_TO = envstr("SUPPORT_REPLY_TO", "soporte@postsale.example")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
KEPT_MAIL_LATENCY_MS = envint("KEPT_MAIL_LATENCY_MS", 0)  # simulated ESP latency (fault tests)
# ANYMAIL_<SETTING> variables (ANYMAIL_MAILGUN_API_KEY, ANYMAIL_WEBHOOK_SECRET, ...) pass through.
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value for key, value in os.environ.items() if key.startswith("ANYMAIL_")
}
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
        "postsale.api_filters.StrictDjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "postsale.api_schema.PostsaleAutoSchema",
    # JSON bodies only: the bodies nest (a sale's customer and lines), which a form cannot carry,
    # and a form's empty field reads as "absent", so one body meant two things.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_THROTTLE_CLASSES": [
        "postsale.lib.client_ip.UserRateThrottle",
        "postsale.lib.client_ip.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": envstr("API_THROTTLE_USER", "6000/min"),
        "anon": envstr("API_THROTTLE_ANON", "60/min"),
    },
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
    # A field that refuses "" says minLength: 1, so the schema and the server agree on blanks.
    "ENFORCE_NON_BLANK_FIELDS": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "postsale.api_schema.bound_number_parameters",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ComplaintReasonEnum": "customers.choices.Reason",
        "MessageReasonEnum": "followups.models.Reason",
        "DeliveryStatusEnum": "customers.choices.DeliveryStatus",
        "ComplaintStatusEnum": "customers.choices.ComplaintStatus",
    },
}

# --- CSV import page: files larger than this are refused with a message (the command takes any)
IMPORT_MAX_UPLOAD_MB = envint("IMPORT_MAX_UPLOAD_MB", 100)

# --- Cache (rate limits, throttles): Redis database 1 by default, apart from the broker's 0 --
CACHE_URL = envstr("CACHE_URL", re.sub(r"/\d*$", "", REDIS_URL.rstrip("/")) + "/1" if REDIS_URL else "")
# Redis away reads as a miss (postsale/lib/cache.py): pages are served, limits wait for it; a
# Redis that hangs costs a request at most a second.
CACHES = {
    "default": {
        "BACKEND": "postsale.lib.cache.SturdyRedisCache",
        "LOCATION": CACHE_URL,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
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

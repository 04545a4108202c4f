"""Settings for Yingji.

One file, configured by environment variables (documented in docs/configuration.md).
SQLite is the embedded default; PostgreSQL is used when DATABASE_URL is set.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from yingji.core.api.enums import overrides as enum_name_overrides

BASE_DIR = Path(__file__).resolve().parent.parent
# Runtime files (SQLite database, uploads, collected static): beside the checkout, or in
# the working directory when installed as a package.
_DEFAULT_VAR = BASE_DIR / "var" if (BASE_DIR / "pyproject.toml").exists() else Path.cwd() / "var"
VAR_DIR = Path(os.environ.get("YINGJI_VAR_DIR", _DEFAULT_VAR))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("YINGJI_DEBUG", False)
# The demo and tests run without a configured key; production must set one.
SECRET_KEY = os.environ.get(
    "YINGJI_SECRET_KEY", "insecure-demo-key-set-YINGJI_SECRET_KEY-in-production"
)
ALLOWED_HOSTS = env_list("YINGJI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("YINGJI_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_htmx",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "yingji.core",
    "yingji.geo",
    "yingji.accounts",
    "yingji.incidents",
    "yingji.deadlines",
    "yingji.reporters",
    "yingji.scoring",
    "yingji.duty",
    "yingji.supplies",
    "yingji.equipment",
    "yingji.teams",
    "yingji.experts",
    "yingji.shelters",
    "yingji.hazards",
    "yingji.targets",
    "yingji.catalogue",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "yingji.core.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes last: it needs the authenticated request.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "yingji" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yingji.core.context_processors.platform",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
SQLITE_PATH = Path(os.environ.get("YINGJI_SQLITE_PATH", VAR_DIR / "yingji.sqlite3"))
# Run on every new SQLite connection. WAL lets readers run beside the writer; FULL fsyncs
# every commit so an acknowledged report survives a power cut. mmap: a connection whose
# page cache another process's commit emptied reads the pages again from the mapped file,
# not one read() each (decision 0015; SQLite caps the size at its build's maximum).
SQLITE_MMAP_SIZE = int(os.environ.get("YINGJI_SQLITE_MMAP_SIZE", str(2 << 30)))
SQLITE_INIT_COMMAND = (
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
    f"PRAGMA mmap_size={SQLITE_MMAP_SIZE};"
)
# PostgreSQL: the few statements every request runs (the token, the rules' version, the
# intake's lookups) prepared on the server once per connection (decision 0021). Off for
# a pooler in transaction mode that does not keep prepared statements.
YINGJI_PG_PREPARED_READS = env_bool("YINGJI_PG_PREPARED_READS", True)
if os.environ.get("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"],
            conn_max_age=int(os.environ.get("YINGJI_DB_CONN_MAX_AGE", "60")),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, health-checking only connections idle for a second or more
        # instead of one round trip per request (yingji/core/postgresql/base.py).
        DATABASES["default"]["ENGINE"] = "yingji.core.postgresql"
else:
    DATABASES = {
        "default": {
            # Django's backend, with write transactions queued on a file lock instead
            # of SQLite's sleeping busy handler (yingji/core/sqlite/base.py).
            "ENGINE": "yingji.core.sqlite",
            "NAME": str(SQLITE_PATH),
            # Kept open between requests like PostgreSQL's: opening one (file, PRAGMAs,
            # Django's SQL functions) cost a third of a one-row insert's CPU.
            "CONN_MAX_AGE": int(os.environ.get("YINGJI_DB_CONN_MAX_AGE", "60")),
            "OPTIONS": {
                # The busy timeout queues single statements outside a transaction.
                "init_command": SQLITE_INIT_COMMAND,
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # Tests in memory, as with Django's own backend (pytest-django recognises
            # only that one by name; under xdist it would put ours in files).
            "TEST": {"NAME": ":memory:"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and background tasks -----------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background tasks (DESIGN D4): the database backend needs nothing extra to run; with
# REDIS_URL set, tasks go through Redis (RQ) so that several worker machines can share them.
if REDIS_URL:
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    _DEFAULT_TASKS_BACKEND = "django_tasks_rq.RQBackend"
else:
    # django_tasks_db's backend, its task rows written by a compiled INSERT (decision 0016)
    _DEFAULT_TASKS_BACKEND = "yingji.core.task_backend.DatabaseBackend"
TASKS = {
    "default": {
        "BACKEND": os.environ.get("YINGJI_TASKS_BACKEND", _DEFAULT_TASKS_BACKEND),
        "QUEUES": ["default"],
    }
}
# An intake's deadlines and scores: "worker" (after the answer, in a task queued in the
# intake's own transaction) or "inline" (inside that transaction). Decision 0013.
YINGJI_INTAKE_FOLLOWUPS = os.environ.get("YINGJI_INTAKE_FOLLOWUPS", "planned")
# Under a burst of reports the worker leaves the write lock and the CPU to the intakes:
# while more than RATE intakes a second keep arriving it waits, up to SECONDS after the
# oldest one was received (0: never waits). Decision 0017.
YINGJI_FOLLOWUPS_YIELD_SECONDS = float(os.environ.get("YINGJI_FOLLOWUPS_YIELD_SECONDS", "30"))
YINGJI_FOLLOWUPS_YIELD_RATE = float(os.environ.get("YINGJI_FOLLOWUPS_YIELD_RATE", "20"))

# --- Auth ---------------------------------------------------------------------------------
# The role answers first: has_perm() stops at the first backend that grants, and the role
# grants without a query, while ModelBackend reads the user's and groups' permission rows
# (two queries per request). The answer is the same in any order (a union of grants).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "yingji.accounts.backends.RoleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Lock an account (per username and address) after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("YINGJI_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("YINGJI_LOGIN_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLED = env_bool("YINGJI_LOGIN_LOCKOUT", True)

# --- i18n ---------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "yingji" / "locale"]
TIME_ZONE = os.environ.get("YINGJI_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("YINGJI_STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "yingji" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("YINGJI_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the app folders when nothing was collected (tests, a fresh checkout).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Uploads ------------------------------------------------------------------------------
# Size limits of incident attachments per kind, in MB ("photo=20,video=200,…" overrides).
YINGJI_ATTACHMENT_MAX_MB = {"photo": 20, "video": 200, "document": 50, "audio": 50}
for _item in env_list("YINGJI_ATTACHMENT_MAX_MB"):
    _kind, _sep, _mb = _item.partition("=")
    YINGJI_ATTACHMENT_MAX_MB[_kind.strip()] = int(_mb)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "yingji.accounts.api.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["yingji.core.api.permissions.RestrictedModelPermissions"],
    "DEFAULT_PAGINATION_CLASS": "yingji.core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "yingji.core.api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Yingji 应急 API",
    "DESCRIPTION": "Emergency command platform API. Errors share one shape: "
    '{"code": ..., "message": ..., "fields": {field: [messages]}}.',
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Stable names for choice sets whose field names repeat across models (kind, status…).
    "ENUM_NAME_OVERRIDES": enum_name_overrides(),
}

# --- Maps ---------------------------------------------------------------------------------
TIANDITU_KEY = os.environ.get("TIANDITU_KEY", "")
# A self-hosted XYZ tile server, e.g. http://tiles.local/{z}/{x}/{y}.png (WGS84/CGCS2000 data).
YINGJI_TILE_URL = os.environ.get("YINGJI_TILE_URL", "")
YINGJI_TILE_ATTRIBUTION = os.environ.get("YINGJI_TILE_ATTRIBUTION", "")
# The city this installation serves (GB/T 2260 code); Jinan by default.
YINGJI_CITY_CODE = os.environ.get("YINGJI_CITY_CODE", "370100")
YINGJI_MAP_CENTER = [
    float(x) for x in os.environ.get("YINGJI_MAP_CENTER", "36.65,117.12").split(",")
]
YINGJI_MAP_ZOOM = int(os.environ.get("YINGJI_MAP_ZOOM", "8"))

# --- Security for production --------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("YINGJI_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "SAMEORIGIN"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("YINGJI_LOG_LEVEL", "WARNING")},
}

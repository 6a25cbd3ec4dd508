"""The one settings module. Every deployment difference comes from the environment.

Variables (all optional in development):
  DEBUG            "1"/"0" (default 1 unless LIUYANBAN_ENV=production)
  SECRET_KEY       required when DEBUG is off
  DATABASE_URL     e.g. postgres://user@127.0.0.1:5432/liuyanban; default SQLite in var/
  ALLOWED_HOSTS    comma-separated
  CSRF_TRUSTED_ORIGINS comma-separated
  EMAIL_URL        "console" (default) or smtp://user:pass@host:port (STARTTLS with ?tls=1)
  DEFAULT_FROM_EMAIL
  SMS_BACKEND      dotted path of an SMS sender (default: console)
  REDIS_URL        enables the Redis cache and the RQ task backend
  TASKS_BACKEND    "db" (default), "rq" or "immediate"
  MEDIA_ROOT, STATIC_ROOT
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LIUYANBAN_VAR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no variable; anything but 0/false/no/off/empty is yes."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() not in {"", "0", "false", "no", "off"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated variable into a list without empty items."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = os.environ.get("LIUYANBAN_ENV") == "production"
DEBUG = env_bool("DEBUG", not PRODUCTION)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "liuyanban.core",
    "liuyanban.accounts",
    "liuyanban.organizations",
    "liuyanban.taxonomy",
    "liuyanban.lifecycle",
    "liuyanban.supervision",
    "liuyanban.notifications",
    "liuyanban.intelligence",
    "liuyanban.campaigns",
    "liuyanban.analytics",
    "liuyanban.api",
    "liuyanban.web",
    "liuyanban.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "liuyanban.core.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "liuyanban.web.middleware.ChineseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "liuyanban.urls"
WSGI_APPLICATION = "liuyanban.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "liuyanban" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "liuyanban.web.context.site",
            ],
        },
    },
]

# Database: SQLite is the embedded default so a newcomer needs nothing else;
# PostgreSQL is production and CI. Connections are reused (a new one per
# request cut throughput tenfold in PERFORMANCE-NOTES).
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL + a busy timeout: readers never block the writer, and a second
    # writer waits instead of failing at once.
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["liuyanban.accounts.backends.PhoneOrEmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Language: Simplified Chinese by default, English available.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "liuyanban" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "liuyanban" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
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
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# Cache: Redis when configured, else process-local memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background work through the Django tasks API (django.tasks in Django 6).
_tasks_backend = os.environ.get("TASKS_BACKEND", "db")
if _tasks_backend == "rq" and REDIS_URL:
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    INSTALLED_APPS.append("django_tasks_rq")
elif _tasks_backend == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Email: console in development, SMTP from EMAIL_URL in production.
EMAIL_URL = os.environ.get("EMAIL_URL", "console")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "留言板 <noreply@localhost>")
if EMAIL_URL == "console":
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
elif EMAIL_URL == "locmem":
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
else:
    _email = urlparse(EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or 25
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_TLS = parse_qs(_email.query).get("tls", ["0"])[0] == "1"
SMS_BACKEND = os.environ.get("SMS_BACKEND", "liuyanban.accounts.sms.ConsoleSmsBackend")

# Production hardening (manage.py check --deploy is clean with LIUYANBAN_ENV=production).
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Platform rules. Per-organisation differences live in the database
# (DeadlineRule, Organization settings); these are only the fall-backs.
LIUYANBAN: dict[str, Any] = {
    "SITE_NAME": os.environ.get("SITE_NAME", "留言板"),
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCK_SECONDS": 900,
    "MESSAGES_PER_AUTHOR_PER_DAY": int(os.environ.get("MESSAGES_PER_AUTHOR_PER_DAY", "10")),
    "MESSAGES_PER_IP_PER_HOUR": int(os.environ.get("MESSAGES_PER_IP_PER_HOUR", "30")),
    # Anchor views for bench/http_bench.py (an empty view, a bare list, a primary-key read).
    "BENCH_VIEWS": env_bool("LIUYANBAN_BENCH_VIEWS", False),
}

"""The one settings module. Every deployment difference comes from the environment.

Variables (all optional in development):
  DEBUG            "1"/"0" (default 1 unless LIUYANBAN_ENV=production)
  SECRET_KEY       when DEBUG is off and none is given, one is generated once and kept
                   in var/secret_key (mode 600), so a fresh clone serves at once
  DATABASE_URL     e.g. postgres://user@127.0.0.1:5432/liuyanban; default SQLite in var/ (WAL)
  DATABASE_REPLICA_URL a PostgreSQL streaming replica for public reads (core/replica.py)
  WEB_THREADS      threads per web worker (default 8); the connection pool is sized from it
  DB_POOL_MAX      PostgreSQL connections per process (default WEB_THREADS in production,
                   0 = no pool, one persistent connection per thread, in development)
  ALLOWED_HOSTS    comma-separated
  CSRF_TRUSTED_ORIGINS comma-separated
  EMAIL_URL        "console" (default) or smtp://user:pass@host:port (STARTTLS with ?tls=1)
  DEFAULT_FROM_EMAIL
  SMS_BACKEND      dotted path of an SMS sender (default: console)
  REDIS_URL        enables the Redis cache and the RQ task backend
  TASKS_BACKEND    "rq" (default with REDIS_URL), "db" (default without) or "immediate"
  MEDIA_ROOT, STATIC_ROOT
  TRUSTED_PROXY_COUNT how many proxies in front of the app append to X-Forwarded-For
                   (default 0: the header is ignored, REMOTE_ADDR is the client)
  WEBHOOK_ALLOW_HTTP        "1" allows http:// webhook URLs (default: only when DEBUG)
  WEBHOOK_ALLOWED_NETWORKS  comma-separated CIDRs webhooks may reach although not public
  OPEN311_TOKEN_LOOKUPS_PER_MINUTE  per client address (default 30)
"""

from __future__ import annotations

import os
import sys
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


def persisted_secret_key(path: Path) -> str:
    """The key kept in ``path``, created once (atomically: concurrent starters agree)."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    import secrets

    key = secrets.token_urlsafe(50)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


PRODUCTION = os.environ.get("LIUYANBAN_ENV") == "production"
DEBUG = env_bool("DEBUG", not PRODUCTION)
VAR_DIR.mkdir(parents=True, exist_ok=True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "dev-only-insecure-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"
    else:
        SECRET_KEY = persisted_secret_key(VAR_DIR / "secret_key")

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
    # Cached anonymous public pages, answered before the rest of the stack (web/pagecache.py).
    "liuyanban.web.pagecache.FastPageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outside the NUL check: what it refuses (a body over the limit) is answered in JSON too.
    "liuyanban.api.middleware.JsonErrorsMiddleware",
    "liuyanban.core.replica.ReplicaMiddleware",
    "csp.middleware.CSPMiddleware",
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
# PostgreSQL is production and CI.
#
# Connections and threads are sized together. In production each process keeps a
# psycopg pool of at most DB_POOL_MAX connections (default: WEB_THREADS, the web
# server's threads per worker), so one process never holds more connections than it
# can use at once, and a connection goes back to the pool at the end of each request.
# The whole stack then needs web workers x DB_POOL_MAX + task workers + 1 (scheduler)
# connections, well under PostgreSQL's max_connections (docs/deploy.md). Without the
# pool (development), connections are reused per thread (a new one per request cut
# throughput tenfold in PERFORMANCE-NOTES).
(VAR_DIR / "static").mkdir(exist_ok=True)
WEB_THREADS = int(os.environ.get("WEB_THREADS", "8"))
DB_POOL_MAX = int(os.environ.get("DB_POOL_MAX", str(WEB_THREADS if PRODUCTION else 0)))
# Task workers and the scheduler do one thing at a time, and RQ forks a child per job
# (a pool's threads do not survive a fork): one plain connection each.
if sys.argv[1:2] and sys.argv[1] in {"run_worker", "db_worker", "rqworker", "run_scheduler"}:
    DB_POOL_MAX = 0


def database(url: str) -> dict[str, Any]:
    """One DATABASES entry from a URL, with the pool or persistent connections."""
    config: dict[str, Any] = dict(
        dj_database_url.parse(
            url, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")), conn_health_checks=True
        )
    )
    options = config.setdefault("OPTIONS", {})
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        # WAL + a busy timeout: readers never block the writer, and a second
        # writer waits instead of failing at once.
        options.update(
            {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
    elif DB_POOL_MAX > 0:
        config["CONN_MAX_AGE"] = 0  # the pool keeps the connections
        # With health checks on, Django has the pool check each connection it hands
        # out: one the server dropped is replaced, never given to a request.
        config["CONN_HEALTH_CHECKS"] = True
        options["pool"] = {
            "min_size": 1,
            "max_size": DB_POOL_MAX,
            # A request waits this long for a free connection before failing.
            "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "20")),
            "max_idle": 300,
        }
    return config


DATABASES = {
    "default": database(os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
}
# Public reads from a streaming replica (core/replica.py); tests run without one,
# and where one is configured the test run mirrors it to the default database.
if REPLICA_URL := os.environ.get("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = {**database(REPLICA_URL), "TEST": {"MIRROR": "default"}}
    DATABASE_ROUTERS = ["liuyanban.core.replica.ReplicaRouter"]
# GET/HEAD paths whose reads may come from the replica: public pages, search,
# statistics, hot issues, the directory, campaigns' public pages, Open311, the
# public REST reads and the exports.
REPLICA_READ_PATHS = [
    r"/$",
    r"/(boards|search|stats|hot|directory)/",
    r"/messages/[^/]+/$",
    r"/campaigns/(\d+/(results/|results\.csv)?)?$",
    r"/open311/v2/",
    r"/api/v1/(messages|boards|organizations|domains|kinds|campaigns|exports)(/|$|\?)",
]
# After a write, the writer reads from the primary for this long.
REPLICA_PIN_SECONDS = int(os.environ.get("REPLICA_PIN_SECONDS", "15"))
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
            # whitenoise's, each URL worked out once (core/staticfiles.py)
            else "liuyanban.core.staticfiles.ManifestStaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# Client addresses: X-Forwarded-For is believed only through this many proxies
# (liuyanban.core.clientip). Rate limits count in Redis when REDIS_URL is set, else in
# the database (liuyanban.core.ratelimit); never in per-process memory.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Cache: Redis when configured. Without it, the production stack's processes share a
# file cache on this machine (page versions must be seen by every worker: see
# docs/performance.md); development's single process keeps it in memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        # Django's Redis cache, keeping one client per server (core/rediscache.py).
        "default": {"BACKEND": "liuyanban.core.rediscache.RedisCache", "LOCATION": REDIS_URL}
    }
elif DEBUG:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }

# Background work through the Django tasks API (django.tasks in Django 6).
# With REDIS_URL the queue is Redis (django-tasks-rq; workers: manage.py rqworker),
# unless TASKS_BACKEND says otherwise.
_tasks_backend = os.environ.get("TASKS_BACKEND", "rq" if REDIS_URL else "db")
if _tasks_backend == "rq" and REDIS_URL:
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
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

# Content-Security-Policy on every response (django-csp). Scripts only from our own
# static files (ECharts, htmx and Swagger UI are vendored): no inline script, no inline
# event handler, no eval. Inline *styles* stay allowed: ECharts tooltips and the
# campaign bar charts set style attributes, and the 500 page carries its own CSS.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

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
    # Per account: 5 attempts at once, then waits of 30 s, 60 s, 120 s … up to 15 min
    # (a stranger can slow an account, never lock it). Per network: 20 failures / 15 min.
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_DELAY_SECONDS": 30,
    "LOGIN_LOCK_SECONDS": 900,
    "LOGIN_MAX_FAILURES_PER_IP": 20,
    "MESSAGES_PER_AUTHOR_PER_DAY": int(os.environ.get("MESSAGES_PER_AUTHOR_PER_DAY", "10")),
    "MESSAGES_PER_IP_PER_HOUR": int(os.environ.get("MESSAGES_PER_IP_PER_HOUR", "30")),
    # Task workers (core/workers.py): a worker silent this long is dead and its task is
    # re-queued; a task of a worker without heartbeats (db_worker) is re-queued after the lease.
    "TASK_BEAT_TIMEOUT": int(os.environ.get("TASK_BEAT_TIMEOUT", "60")),
    "TASK_LEASE": int(os.environ.get("TASK_LEASE", "3600")),
    # REST API requests per caller (user, else client network): "600/m", "100/10s", "5000/h".
    "API_RATE": os.environ.get("API_RATE", "600/m"),
    # Images: bytes per upload, decoded pixels (a decompression bomb is refused), longest side kept.
    "IMAGE_MAX_BYTES": int(os.environ.get("IMAGE_MAX_BYTES", str(5 * 1024 * 1024))),
    "IMAGE_MAX_PIXELS": int(os.environ.get("IMAGE_MAX_PIXELS", "40000000")),
    "IMAGE_MAX_SIDE": int(os.environ.get("IMAGE_MAX_SIDE", "2560")),
    # PDF reports: new reports an anonymous address may ask for per window (seconds).
    "PDF_ANON_PER_WINDOW": int(os.environ.get("PDF_ANON_PER_WINDOW", "3")),
    "PDF_ANON_WINDOW": int(os.environ.get("PDF_ANON_WINDOW", "600")),
    # Chromium's sandbox: auto (on unless running as root), on, off.
    "CHROMIUM_SANDBOX": os.environ.get("CHROMIUM_SANDBOX", "auto"),
    # Webhooks: plain http only in development and tests; networks (CIDR) an operator
    # allows on purpose although they are not public (docs/security.md).
    "WEBHOOK_ALLOW_HTTP": env_bool("WEBHOOK_ALLOW_HTTP", DEBUG),
    "WEBHOOK_ALLOWED_NETWORKS": env_list("WEBHOOK_ALLOWED_NETWORKS"),
    "OPEN311_TOKEN_LOOKUPS_PER_MINUTE": int(
        os.environ.get("OPEN311_TOKEN_LOOKUPS_PER_MINUTE", "30")
    ),
    # Anchor views for bench/http_bench.py (an empty view, a bare list, a primary-key read).
    "BENCH_VIEWS": env_bool("LIUYANBAN_BENCH_VIEWS", False),
}

"""Settings for every configuration, driven by the environment.

The embedded default needs nothing set: SQLite in WAL mode under ./var, the in-memory channel
layer, the embedded search index. At scale set DATABASE_URL, REDIS_URL and ELASTICSEARCH_URL.
"""
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("FENGQIAO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# An insecure key is acceptable only for the embedded default on one's own machine; the
# production module refuses to start without DJANGO_SECRET_KEY.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "embedded-default-insecure-key-change-me")
# Off unless asked for (DJANGO_DEBUG=1): the embedded default may well hold real cases.
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "servestatic",
    "config.apps.StaticFiles",  # django.contrib.staticfiles
    "rest_framework",
    "rest_framework.authtoken",
    "config.apps.Axes",  # axes
    "django_filters",
    "viewflow",
    "viewflow.workflow",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "casework",
    "mediation",
    "flows",
    "actions",
    "search",
    "reports",
    "ui",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "servestatic.middleware.ServeStaticMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into its page (ui.views.auth.locked_out)
    # Last, so it sees what a view raises first: a locked database is a 503, not a 500.
    "config.database_busy.DatabaseBusyMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

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
            ],
        },
    },
]


# What every SQLite database runs with, however it is named (the embedded default,
# DATABASE_URL=sqlite:///…, the tests). IMMEDIATE takes the write lock when a transaction starts,
# so two writers queue behind the busy timeout instead of failing on a lock upgrade
# mid-transaction; WAL lets readers go on while one writes.
SQLITE_TRANSACTION_MODE = "IMMEDIATE"
SQLITE_TIMEOUT = int(os.environ.get("SQLITE_TIMEOUT", "20"))  # seconds a writer waits for the lock
SQLITE_ENGINE = "config.db_backends.sqlite3"
SQLITE_PRAGMAS = "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"


def with_sqlite_options(config: dict) -> dict:
    """`config` with the SQLite options added where it does not set its own; other engines untouched.

    Options given in the URL (`?timeout=5`, `?init_command=…`) win: their pragmas run after ours.
    """
    if not config.get("ENGINE", "").endswith("sqlite3"):
        return config
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Django's backend, with one process's writers served in arrival order (config/db_backends).
        config["ENGINE"] = SQLITE_ENGINE
    options = config.setdefault("OPTIONS", {})
    options.setdefault("transaction_mode", SQLITE_TRANSACTION_MODE)
    options.setdefault("timeout", SQLITE_TIMEOUT)
    given = options.get("init_command", "").strip()
    if SQLITE_PRAGMAS not in given:
        options["init_command"] = SQLITE_PRAGMAS + given
    return config


def database_from_env() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")))
        if config["ENGINE"].endswith("postgresql") and env_bool("DB_POOL", True):
            # psycopg's pool: a request borrows a connection instead of opening one. Size it to
            # the threads one ASGI process runs sync views in (DB_POOL_MAX_SIZE).
            config.setdefault("OPTIONS", {})["pool"] = {
                "min_size": int(os.environ.get("DB_POOL_MIN_SIZE", "2")),
                "max_size": int(os.environ.get("DB_POOL_MAX_SIZE", "20")),
                "timeout": 20,
            }
        return with_sqlite_options(config)
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return with_sqlite_options({"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "fengqiao.sqlite3"})


DATABASES = {"default": database_from_env()}
# Seconds a process keeps reference rows (deadline rules, regions by code: casework.reference)
# before reading them again; a change made in the same process drops them at once.
REFERENCE_TTL_SECONDS = float(os.environ.get("REFERENCE_TTL_SECONDS", "30"))
# A settings module that adds or replaces a database passes it through with_sqlite_options too
# (config/settings/test.py does).
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "casework.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out sign-in before any password check
    "django.contrib.auth.backends.ModelBackend",
    "flows.queues.QueueBackend",  # work-queue permissions for viewflow tasks
]


def redis_channel_layer(url: str, *, prefix: str = "fengqiao", capacity: int = 2000, backend: str = "core") -> dict:
    """The channels-redis layer of the scale configuration: `core` (lists and sorted sets) or
    `pubsub` (Redis PUBLISH/SUBSCRIBE; channels-redis calls it beta)."""
    if backend == "pubsub":
        # One subscription per process and group; nothing queued in Redis, so nothing to
        # time out on or to overflow. What a process misses while disconnected is lost to
        # the push, not to the client: the rows are delivered with the unread backlog.
        return {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [{"address": url}], "prefix": prefix}}
    if backend != "core":
        raise ValueError(f"CHANNEL_LAYER_BACKEND must be core or pubsub, not {backend!r}")
    return {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            # redis-py 8 reads with a 5 s socket timeout by default, as long as the layer's
            # blocking BZPOPMIN waits: every idle consumer would crash each 5 s
            # (django/channels_redis#422). Longer, so a dead Redis is still noticed.
            "hosts": [{"address": url, "socket_timeout": 15}],
            # Several counties (or test runs) can share one Redis under different prefixes.
            "prefix": prefix,
            # Each server process receives the notification batches on one channel (its
            # listener, flows.realtime), and the layer drops what goes beyond its capacity
            # (default 100): a deadline sweep sends one batch per deadline, in a burst.
            "capacity": capacity,
        },
    }


REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {"default": redis_channel_layer(
        REDIS_URL, prefix=os.environ.get("CHANNEL_LAYER_PREFIX", "fengqiao"),
        capacity=int(os.environ.get("CHANNEL_LAYER_CAPACITY", "2000")),
        backend=os.environ.get("CHANNEL_LAYER_BACKEND", "core"),
    )}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The cache holds counts that must be one per site, not one per process: the rate limit of the
# parties' code (DRF throttling). At scale every ASGI process shares Redis's; the embedded default
# (one process) keeps Django's local-memory cache. Several counties (or test runs) sharing one
# Redis keep apart by CACHE_KEY_PREFIX. Never call cache.clear() on it: it flushes the whole
# Redis database, channel layer included.
if REDIS_URL:
    CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "fengqiao"),
    }}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Search (search/): Elasticsearch when ELASTICSEARCH_URL is set, else the embedded tantivy index
# in SEARCH_INDEX_DIR. The index is reached through an alias of this name (a folder pointer when
# embedded), so `search_index --rebuild` swaps a new generation in without downtime.
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
ELASTICSEARCH_REPLICAS = int(os.environ.get("ELASTICSEARCH_REPLICAS", "1"))
SEARCH_INDEX_NAME = os.environ.get("SEARCH_INDEX_NAME", "fengqiao-cases")
SEARCH_INDEX_DIR = Path(os.environ.get("SEARCH_INDEX_DIR", VAR_DIR / "search"))
# The analyser segmenting Chinese for relevance on Elasticsearch: cjk (built in), or smartcn / ik
# when the cluster has the plugin (otherwise cjk, with a warning).
SEARCH_ANALYZER = os.environ.get("SEARCH_ANALYZER", "cjk")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Static files are served by the app itself (servestatic), with no web server in front needed.
# The embedded default serves them from the apps' folders as they are; production serves what
# `collectstatic` compressed and named by content hash (config/settings/production.py).
SERVESTATIC_USE_FINDERS = True
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("FENGQIAO_MEDIA_ROOT", VAR_DIR / "media"))
# Attachments larger than this are refused with a 400 (photos from a tablet, scanned PDFs).
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))

# A deadline paused while waiting for a party runs again on its own after this many calendar days.
DEADLINE_PAUSE_MAX_DAYS = int(os.environ.get("DEADLINE_PAUSE_MAX_DAYS", "30"))

DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Errors are product pages in zh-hans for people, the API's JSON for /api/ (config/errors.py).
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
# Only the site's own scripts, styles, images and connections (its WebSocket included): no
# inline script, no inline style but a <style> with the response's nonce (the printable
# agreement), nothing from a CDN, which county intranets cannot reach anyway.
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {
    "default-src": ["'self'"], "script-src": ["'self'"], "style-src": ["'self'", NONCE],
    "img-src": ["'self'", "data:", "blob:"], "font-src": ["'self'", "data:"], "connect-src": ["'self'"],
    "object-src": ["'none'"], "base-uri": ["'self'"], "form-action": ["'self'"], "frame-ancestors": ["'none'"],
}}

LOGIN_URL = "ui:login"
LOGIN_REDIRECT_URL = "ui:home"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "casework.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "config.rest.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.rest.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.rest.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # The parties' progress page (解纷码) needs no sign-in: requests per client address. The
    # counts live in the default cache, so give every server process one shared cache.
    "DEFAULT_THROTTLE_RATES": {"party_code": os.environ.get("PARTY_CODE_RATE", "30/min")},
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Fengqiao dispute workflow API",
    "DESCRIPTION": "Grassroots dispute resolution (枫桥经验): cases, transitions, jurisdiction.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Sign-in hardening (README "Sign-in, tokens and lockout"). django-axes counts failed sign-ins
# (token endpoint, /login/, admin) in the database, so every server process sees the same count,
# per username *and* address: grid workers of one township office share its address, and one
# person's typos (or a guesser) must not lock the whole office out, nor a guesser elsewhere the
# person. Behind a proxy, set AXES_IPWARE_PROXY_COUNT so the address is the client's.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "ui.views.auth.locked_out"
# An API token lasts this long from its issue (casework/tokens.py says why not from its last use).
API_TOKEN_TTL_DAYS = int(os.environ.get("API_TOKEN_TTL_DAYS", "30"))

# Idempotency keys are kept this long: a tablet retrying a filing later than this files anew.
IDEMPOTENCY_KEY_TTL_DAYS = int(os.environ.get("IDEMPOTENCY_KEY_TTL_DAYS", "30"))
# Where `verify_audit --anchor` and the daily job publish the chain heads (chain-heads.jsonl):
# outside the database, to be copied off the machine (README, "Audit trail").
AUDIT_ANCHOR_DIR = Path(os.environ.get("AUDIT_ANCHOR_DIR", VAR_DIR / "audit-anchors"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"drop_query_strings": {"()": "config.logging.DropQueryStrings"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["drop_query_strings"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Request bodies carry parties' ID numbers and phones: never log them. uvicorn's lines go
    # through the console handler too (`serve` passes log_config=None), query strings cut off.
    # The Elasticsearch client logs every request at INFO: only its warnings are news.
    # django-axes logs every failed sign-in at INFO; its lockouts are warnings.
    "loggers": {"django.request": {"level": "WARNING"}, "elastic_transport": {"level": "WARNING"},
                "axes": {"level": "WARNING"}},
}

# Background jobs run by `serve` (threads beside the server) and `run_workers` (own process):
# (dotted path, interval in seconds).
BACKGROUND_JOBS = [
    ("flows.timers.fire_deadlines_job", 60),
    ("casework.workers.purge_idempotency_keys", 3600),
    ("search.indexing.drain_outbox_job", 1),
    ("casework.audit.publish_anchor", 3600),  # writes at most one anchor a day
    ("reports.monthly.generate_last_month_job", 3600),  # last month's reports, once it is over
]

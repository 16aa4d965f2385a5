"""Test settings: the real database (SQLite, or PostgreSQL when DATABASE_URL is set),
real templates, in-memory mail outbox."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY", "test-only-insecure-key")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WAGTAILADMIN_BASE_URL = "http://testserver"
# Most tests index documents and never embed them, so searches stay lexical either way; the
# hybrid-search tests turn the real model on for their own small corpus (tests/search/).
SEARCH_EMBEDDINGS = "none"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not Django's default in-memory test database: the browser tests' live server answers
    # from several threads, and with an in-memory database they all share the test thread's one
    # connection and its transaction state (a request still running when a test ends could leave
    # it in a broken transaction for every later test).
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}  # noqa: F405

"""The embedded search backend: the site's own database is the search engine.

One module per engine, chosen by the factory below for the configured database (the layout of
Wagtail's modelsearch `backends/database/`):
- base.py: what both engines share (document rows, query pipeline, boosts, filters);
- planner.py: which query words select candidates, and how many matches get ranked;
- sqlite.py: FTS5 with BM25;
- postgres.py: tsvector + GIN, BM25 computed in SQL.
`SEARCH_BACKEND = "database"` resolves to `SearchBackend` here.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from search.backends.database import postgres, sqlite
from search.backends.database.base import DatabaseSearchBackend

ENGINES: dict[str, type[DatabaseSearchBackend]] = {
    "sqlite": sqlite.SQLiteSearchBackend,
    "postgresql": postgres.PostgresSearchBackend,
}
SCHEMAS = {"sqlite": (sqlite.SCHEMA, sqlite.DROP), "postgresql": (postgres.SCHEMA, postgres.DROP)}


def engine_class(vendor: str | None = None) -> type[DatabaseSearchBackend]:
    """The backend class for this database vendor (default: the site's database)."""
    vendor = vendor or connection.vendor
    try:
        return ENGINES[vendor]
    except KeyError:
        raise ImproperlyConfigured(
            f"The embedded search backend runs on SQLite or PostgreSQL, not {vendor}; "
            "use SEARCH_BACKEND = 'elasticsearch' with this database."
        ) from None


def SearchBackend(**options) -> DatabaseSearchBackend:  # a factory standing in for a class
    return engine_class()(**options)


def create_schema(schema_editor) -> None:
    """Called by search's migrations: the term index for whichever database this is."""
    for statement in SCHEMAS.get(schema_editor.connection.vendor, ((), ()))[0]:
        schema_editor.execute(statement)


def drop_schema(schema_editor) -> None:
    for statement in SCHEMAS.get(schema_editor.connection.vendor, ((), ()))[1]:
        schema_editor.execute(statement)

# ruff: noqa: RUF012
"""The embedded backend's term index: FTS5 tables on SQLite; tsvector + GIN, term and stats tables
on PostgreSQL (see search/backends/database/)."""

from django.db import migrations


def create(apps, schema_editor):
    from search.backends.database import create_schema

    create_schema(schema_editor)


def drop(apps, schema_editor):
    from search.backends.database import drop_schema

    drop_schema(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]

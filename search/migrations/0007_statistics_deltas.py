"""PostgreSQL: writes append their statistics differences to two new tables instead of updating
shared rows (see search/backends/database/postgres.py). Nothing to do on SQLite."""

from django.db import migrations


def create(apps, schema_editor):
    from search.backends.database import create_schema

    create_schema(schema_editor)  # IF NOT EXISTS: only the new tables are created


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TABLE IF EXISTS search_pg_stats_delta")
        schema_editor.execute("DROP TABLE IF EXISTS search_term_delta")


class Migration(migrations.Migration):
    dependencies = [("search", "0006_searchevent_topic_created")]

    operations = [migrations.RunPython(create, drop)]

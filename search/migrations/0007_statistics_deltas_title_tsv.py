"""PostgreSQL: writes append their statistics differences to two new tables instead of updating
shared rows, and titles get their own tsvector (the title tier of the planner), filled here from
the stored term maps (see search/backends/database/postgres.py). Nothing to do on SQLite."""

from django.db import migrations


def create(apps, schema_editor):
    from search.backends.database import create_schema

    create_schema(schema_editor)  # IF NOT EXISTS: only the new tables and column are created
    if schema_editor.connection.vendor == "postgresql":
        from search.backends.database.postgres import TITLE_TSV_SQL

        schema_editor.execute(
            f"UPDATE search_document SET title_tsv = {TITLE_TSV_SQL.format(tf='tf')} WHERE tf IS NOT NULL"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TABLE IF EXISTS search_pg_stats_delta")
        schema_editor.execute("DROP TABLE IF EXISTS search_term_delta")
        schema_editor.execute("DROP INDEX IF EXISTS search_document_title_tsv")
        schema_editor.execute("ALTER TABLE search_document DROP COLUMN IF EXISTS title_tsv")


class Migration(migrations.Migration):
    dependencies = [("search", "0006_searchevent_topic_created")]

    operations = [migrations.RunPython(create, drop)]

"""A second, small FTS5 table with the title fields only (SQLite): queries made of very common
words rank within titles, which this table answers quickly. Filled from the main table."""

from django.db import migrations


def create(apps, schema_editor):
    from search.backends.database import create_schema

    create_schema(schema_editor)  # IF NOT EXISTS: only the new table is created
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "INSERT INTO search_fts_title (rowid, title, keywords, title_stems) "
            "SELECT rowid, title, keywords, title_stems FROM search_fts"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_fts_title")


class Migration(migrations.Migration):
    dependencies = [("search", "0004_document_text")]

    operations = [migrations.RunPython(create, drop)]

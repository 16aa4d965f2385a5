# ruff: noqa: RUF012
"""Stems get their own FTS5 columns (title_stems, body_stems) so exact words can outweigh them.

The SQLite term index is re-created empty; ANALYSIS_VERSION changed with it, so
`search_reindex --quiet-if-fresh` (run by `make run`) rebuilds it. PostgreSQL keeps its tables
(term frequencies are re-written by the rebuild)."""

from django.db import migrations


def recreate(apps, schema_editor):
    from search.backends.database import create_schema
    from search.backends.database.sqlite import DROP

    if schema_editor.connection.vendor == "sqlite":
        for statement in DROP:
            schema_editor.execute(statement)
    create_schema(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_term_index")]

    operations = [migrations.RunPython(recreate, migrations.RunPython.noop)]

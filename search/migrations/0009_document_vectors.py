"""Document vectors for hybrid search: the vector table, the clock that tells processes what
changed (its one row made here), and each document's `embed_hash` (empty for existing rows: their
vectors are stored under it, and the next index update sets it). No reindex is needed: the search
worker embeds what has no vector yet."""

import django.db.models.deletion
from django.db import migrations, models


def clock(apps, schema_editor):
    apps.get_model("search", "VectorClock").objects.get_or_create(id=1, defaults={"stamp": 0})


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0008_document_group_key"),
    ]

    operations = [
        migrations.CreateModel(
            name="DocumentVector",
            fields=[
                ("document", models.OneToOneField(db_column="id", on_delete=django.db.models.deletion.CASCADE,
                                                  primary_key=True, related_name="vector", serialize=False,
                                                  to="search.indexeddocument")),
                ("model", models.CharField(max_length=100)),
                ("text_hash", models.CharField(max_length=16)),
                ("stamp", models.BigIntegerField(db_index=True)),
                ("vector", models.BinaryField()),
            ],
            options={"db_table": "search_vector"},
        ),
        migrations.CreateModel(
            name="VectorClock",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("stamp", models.BigIntegerField(default=0)),
            ],
            options={"db_table": "search_vector_clock"},
        ),
        migrations.AddField(
            model_name="indexeddocument",
            name="embed_hash",
            field=models.CharField(blank=True, default="", max_length=16),
        ),
        migrations.RunPython(clock, migrations.RunPython.noop),
    ]

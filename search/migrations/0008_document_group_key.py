"""Translation groups: every indexed document gets the group it is listed under (a KB article's
translations share one; a topic is its own). Existing rows are filled here from Wagtail's
translation keys, so no reindex is needed."""

from django.db import migrations, models


def fill(apps, schema_editor):
    IndexedDocument = apps.get_model("search", "IndexedDocument")
    Page = apps.get_model("wagtailcore", "Page")
    IndexedDocument.objects.exclude(kind="article").update(group_key=models.F("doc_id"))
    article_pks = {
        int(doc_id[3:]): doc_id
        for doc_id in IndexedDocument.objects.filter(kind="article").values_list("doc_id", flat=True)
    }
    keys = dict(Page.objects.filter(pk__in=list(article_pks)).values_list("pk", "translation_key"))
    for pk, doc_id in article_pks.items():
        group = f"kbt:{keys[pk]}" if pk in keys else doc_id
        IndexedDocument.objects.filter(doc_id=doc_id).update(group_key=group)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0007_statistics_deltas_title_tsv"),
        ("wagtailcore", "0057_page_locale_fields_notnull"),
    ]

    operations = [
        migrations.AddField(
            model_name="indexeddocument",
            name="group_key",
            field=models.CharField(db_index=True, default="", max_length=60),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]

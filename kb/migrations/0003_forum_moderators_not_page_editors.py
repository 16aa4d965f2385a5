"""Wagtail's initial data gives a group named "Moderators" add/change/publish rights on the page
tree root. Our "Moderators" are forum moderators (accounts.roles): they must not edit or publish
knowledge base pages (KB rights are granted per KB index by kb.setup), so drop those root grants."""

from django.db import migrations


def drop_root_grants(apps, schema_editor):
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupPagePermission.objects.filter(group__name="Moderators", page__depth=1).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("kb", "0002_promoted_answers"),
        ("accounts", "0002_role_groups"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(drop_root_grants, migrations.RunPython.noop)]

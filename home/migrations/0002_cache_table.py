from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # The shared cache (rate limits, counters, permission versions) lives in the database.
    # Creating its table in a migration means `migrate` alone gives a working site, and the
    # post_migrate receivers that touch the cache (machina's permissions) find it.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("home", "0001_initial")]
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]

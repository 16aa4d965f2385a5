"""Support staff work the ticket queue in the Wagtail admin, so their group may enter it.

Which tickets they see and what they may do there is decided by
tickets.admin_views.SupportStaffPermissionPolicy, not by model permissions.
"""

from django.db import migrations

# Literal name: a migration must not change when accounts.roles does.
SUPPORT_STAFF = "Support staff"


def grant_admin_access(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    group, _ = Group.objects.get_or_create(name=SUPPORT_STAFF)
    content_type, _ = ContentType.objects.get_or_create(app_label="wagtailadmin", model="admin")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="access_admin", defaults={"name": "Can access Wagtail admin"}
    )
    group.permissions.add(permission)


def revoke_admin_access(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=SUPPORT_STAFF).first()
    if group is not None:
        group.permissions.remove(*group.permissions.filter(codename="access_admin"))


class Migration(migrations.Migration):
    dependencies = (
        ("tickets", "0001_initial"),
        ("accounts", "0002_role_groups"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    )
    operations = (migrations.RunPython(grant_admin_access, revoke_admin_access),)

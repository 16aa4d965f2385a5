"""Forum moderators moderate the forum; they are not CMS editors.

Wagtail's own migrations create a group with the same name as our forum role, "Moderators",
and give it admin access, image and document rights and the approval task of the default
"Moderators approval" workflow on the page tree root. Left alone, every forum moderator could
delete images and approve changes to the site's pages. Approval of non-KB pages goes to Support
staff instead (KB pages have their own "Knowledge base review" workflow, kb.setup).
"""

from django.db import migrations

MODERATORS = "Moderators"
SUPPORT_STAFF = "Support staff"
CMS_APPS = ("wagtailadmin", "wagtailimages", "wagtaildocs")


def take_moderators_out_of_the_cms(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    Workflow = apps.get_model("wagtailcore", "Workflow")

    moderators = Group.objects.filter(name=MODERATORS).first()
    if moderators is None:
        return
    moderators.permissions.remove(*moderators.permissions.filter(content_type__app_label__in=CMS_APPS))
    GroupCollectionPermission.objects.filter(group=moderators).delete()
    GroupPagePermission.objects.filter(group=moderators).delete()

    support_staff, _created = Group.objects.get_or_create(name=SUPPORT_STAFF)
    for task in GroupApprovalTask.objects.filter(groups=moderators):
        task.groups.remove(moderators)
        task.groups.add(support_staff)
        if task.name == "Moderators approval":
            task.name = "Support staff approval"
            task.save(update_fields=["name"])
    Workflow.objects.filter(name="Moderators approval").update(name="Support staff approval")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_credit_in_articles"),
        ("wagtailcore", "0048_add_default_workflows"),
        ("wagtailimages", "0002_initial_data"),
        ("wagtaildocs", "0002_initial_data"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]
    operations = [migrations.RunPython(take_moderators_out_of_the_cms, migrations.RunPython.noop)]

"""Roles in the CMS: forum moderators moderate the forum and have no part in Wagtail's admin."""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import GroupApprovalTask, GroupCollectionPermission, GroupPagePermission, Workflow

from accounts import roles


@pytest.mark.django_db
def test_forum_moderators_have_no_cms_rights():
    moderators = Group.objects.get(name=roles.MODERATORS)
    cms_permissions = moderators.permissions.filter(
        content_type__app_label__in=("wagtailadmin", "wagtailimages", "wagtaildocs")
    )
    assert list(cms_permissions.values_list("codename", flat=True)) == []
    assert not GroupCollectionPermission.objects.filter(group=moderators).exists()
    assert not GroupPagePermission.objects.filter(group=moderators).exists()


@pytest.mark.django_db
def test_wagtails_default_approval_workflow_is_approved_by_support_staff():
    task = GroupApprovalTask.objects.get(name="Support staff approval")
    assert list(task.groups.values_list("name", flat=True)) == [roles.SUPPORT_STAFF]
    assert Workflow.objects.filter(name="Support staff approval", active=True).exists()
    assert not GroupApprovalTask.objects.filter(groups__name=roles.MODERATORS).exists()


@pytest.mark.django_db
def test_a_forum_moderator_cannot_open_the_admin_but_support_staff_can(client, moderator, staff):
    client.force_login(moderator)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200

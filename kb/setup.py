"""The KB structure a fresh site needs, created without admin clicks: a KB index under each
locale's home page (linked as translations), the review workflow assigned to every KB index, and
what the "Support staff" and "Knowledge base writers" groups may do.

Called by kb.demo.load, by `manage.py kb_setup`, and (for the workflow and permissions) whenever a
KB index page is created, in the admin or by copy-for-translation (see kb/apps.py).
Idempotent.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from accounts import roles

WORKFLOW_NAME = "Knowledge base review"
TASK_NAME = "Review by support staff"
KB_SLUG = "kb"
KB_TITLES = {
    "en": "Knowledge base",
    "ne": "ज्ञान भण्डार",
    "cy": "Cronfa wybodaeth",
    "lo": "ຖານຄວາມຮູ້",
    "tr": "Bilgi bankası",
    "lt": "Žinių bazė",
}
# Two roles, the way Wagtail's moderation is designed: writers add and edit KB pages but can't
# publish, so everything they write goes through the review task; Support staff review (approve or
# request changes) and may also publish, unpublish and edit directly. See kb/README.md.
WRITERS_GROUP = "Knowledge base writers"
WRITER_PAGE_PERMISSIONS = ("add_page", "change_page")
STAFF_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
WRITER_MODEL_PERMISSIONS = (
    ("wagtailadmin", "access_admin"),
    ("kb", "view_articlefeedback"),
    ("simple_translation", "submit_translation"),
    ("wagtailimages", "add_image"),
    ("wagtailimages", "choose_image"),
)
STAFF_MODEL_PERMISSIONS = (
    *WRITER_MODEL_PERMISSIONS,
    ("kb", "delete_articlefeedback"),
    ("kb", "view_promotedanswer"),  # promoted answers: review "source thread changed"
    ("kb", "change_promotedanswer"),
)


def support_staff() -> Group:
    return Group.objects.get_or_create(name=roles.SUPPORT_STAFF)[0]


def writers() -> Group:
    return Group.objects.get_or_create(name=WRITERS_GROUP)[0]


def ensure_review_workflow() -> Workflow:
    """The "Knowledge base review" workflow: one task, approved by a member of Support staff."""
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME)
        task.groups.set([support_staff()])
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    if not WorkflowTask.objects.filter(workflow=workflow, task=task).exists():
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    return workflow


def _grant(group: Group, permissions) -> None:
    for app_label, codename in permissions:
        permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is not None:  # absent only before the app's first migrate
            group.permissions.add(permission)


def ensure_staff_permissions() -> None:
    _grant(support_staff(), STAFF_MODEL_PERMISSIONS)
    _grant(writers(), WRITER_MODEL_PERMISSIONS)


def prepare_kb_index(index: Page) -> None:
    """Review workflow and page permissions for one KB index (and everything below it).
    An index that already has a workflow keeps it: staff may have chosen another."""
    if not WorkflowPage.objects.filter(page=index).exists():
        WorkflowPage.objects.create(page=index, workflow=ensure_review_workflow())
    for group, codenames in ((support_staff(), STAFF_PAGE_PERMISSIONS), (writers(), WRITER_PAGE_PERMISSIONS)):
        for codename in codenames:
            permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
            GroupPagePermission.objects.get_or_create(group=group, page=index, permission=permission)
    ensure_staff_permissions()


@transaction.atomic
def ensure_kb_indexes(homes: dict | None = None) -> dict:
    """One live KB index per locale, at /<lang>/kb/, linked as translations. Returns {code: index}."""
    from home.site_setup import ensure_home_pages
    from kb.models import KBIndexPage

    homes = homes or ensure_home_pages()
    english_home = homes["en"]
    english = KBIndexPage.objects.child_of(english_home).first()
    if english is None:
        english = english_home.add_child(instance=KBIndexPage(title=KB_TITLES["en"], slug=KB_SLUG, live=True))
        english.save_revision().publish()
    indexes = {"en": english.specific}
    for code, home in homes.items():
        if code == "en":
            continue
        index = english.get_translation_or_none(home.locale)
        if index is None:
            index = english.copy_for_translation(home.locale)
            index.title = KB_TITLES.get(code, KB_TITLES["en"])
            index.save_revision().publish()
        indexes[code] = index.specific
    for index in indexes.values():
        prepare_kb_index(index)  # also covers indexes created before the signal existed
    return indexes

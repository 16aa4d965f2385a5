"""Publishing: the review workflow on KB pages (draft -> review by support staff -> live),
staff permissions, and unpublish/delete taking articles out of listings at once."""

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Page, Workflow, WorkflowState
from wagtail.test.utils.form_data import (
    inline_formset,
    nested_form_data,
    rich_text,
    streamfield,
)

from accounts import roles
from kb.models import ArticlePage, KBIndexPage
from kb.setup import WORKFLOW_NAME, WRITERS_GROUP, ensure_kb_indexes
from tests.factories import PASSWORD, UserFactory
from tests.kb.factories import make_article


@pytest.fixture
def writer(kb_indexes):
    user = UserFactory(username="writer", is_staff=True)
    user.groups.add(Group.objects.get(name=WRITERS_GROUP))
    return user


@pytest.fixture
def reviewer(kb_indexes):
    user = UserFactory(username="reviewer", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.SUPPORT_STAFF))
    return user


def test_every_kb_index_has_the_review_workflow(kb_indexes):
    assert set(kb_indexes) == {"en", "ne", "cy", "lo", "tr", "lt"}
    for index in kb_indexes.values():
        assert index.get_workflow().name == WORKFLOW_NAME
    workflow = Workflow.objects.get(name=WORKFLOW_NAME)
    task = workflow.tasks.get().specific
    assert [g.name for g in task.groups.all()] == [roles.SUPPORT_STAFF]
    ensure_kb_indexes()  # idempotent
    assert KBIndexPage.objects.count() == 6 and Workflow.objects.filter(name=WORKFLOW_NAME).count() == 1


def test_kb_index_created_in_the_admin_way_gets_the_workflow(site_pages):
    index = site_pages["tr"].add_child(instance=KBIndexPage(title="Bilgi", slug="kb"))
    assert Page.objects.get(pk=index.pk).get_workflow().name == WORKFLOW_NAME


def test_writers_cannot_publish_support_staff_can(writer, reviewer, category, article):
    perms = category.permissions_for_user(writer)
    assert perms.can_add_subpage() and perms.can_edit()
    assert not perms.can_publish() and not perms.can_publish_subpage()
    assert not article.permissions_for_user(writer).can_unpublish()
    staff_perms = article.permissions_for_user(reviewer)
    assert staff_perms.can_publish() and staff_perms.can_unpublish()


def article_form_data(title, slug):
    data = nested_form_data({
        "title": title,
        "slug": slug,
        "summary": "How to add an MX record.",
        "body": streamfield([
            ("paragraph", rich_text("<p>Open the DNS editor.</p>")),
            ("heading", {"text": "Add the record", "level": "h2"}),
            ("code", {"language": "dns", "code": "@ MX 10 mail.example.com."}),
        ]),
        "tags": "dns, email",
        "related_links": inline_formset([]),
        "comments": inline_formset([]),
        "action-submit": "Submit for review",
    })
    data["applies_to"] = ["email", "domains"]  # checkboxes: one value per ticked box
    return data


def test_draft_review_publish(client, writer, reviewer, category):
    # The writer creates an article in the admin and submits it for review.
    client.login(username=writer.username, password=PASSWORD)
    add_url = reverse("wagtailadmin_pages:add", args=["kb", "articlepage", category.pk])
    response = client.post(add_url, article_form_data("Add an MX record", "add-mx"))
    assert response.status_code == 302, response.content.decode()[:2000]
    article = ArticlePage.objects.get(slug="add-mx")
    assert not article.live
    state = WorkflowState.objects.get(base_content_type__model="page", object_id=str(article.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert client.get(f"{category.url}add-mx/").status_code == 404  # not public while in review

    # A reviewer from Support staff approves it; it goes live.
    client.logout()
    client.login(username=reviewer.username, password=PASSWORD)
    task_state = state.current_task_state
    approve_url = reverse("wagtailadmin_pages:workflow_action", args=[article.pk, "approve", task_state.pk])
    response = client.post(approve_url, {"comment": "Checked against the panel."})
    assert response.status_code == 302
    article = ArticlePage.objects.get(pk=article.pk)
    assert article.live
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED
    assert article.applies_to == ["email", "domains"] and article.tag_names() == ["dns", "email"]
    page = client.get(article.url)
    assert page.status_code == 200 and "@ MX 10 mail.example.com." in page.content.decode()


def test_customer_cannot_approve(client, customer, writer, category):
    article = make_article(category, "Pending", "pending", publish=False)
    workflow = article.get_workflow()
    state = workflow.start(article, writer)
    client.login(username=customer.username, password=PASSWORD)
    url = reverse("wagtailadmin_pages:workflow_action", args=[article.pk, "approve", state.current_task_state.pk])
    response = client.post(url, {"comment": ""})
    assert response.status_code in (302, 403)
    assert not ArticlePage.objects.get(pk=article.pk).live


def test_scheduled_publishing(category):
    from datetime import timedelta
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    article = make_article(category, "Later", "later", publish=False)
    draft = ArticlePage.objects.get(pk=article.pk)
    draft.go_live_at = timezone.now() + timedelta(hours=1)  # "Go-live date" in the Settings tab
    revision = draft.save_revision()
    revision.publish()  # with a future go-live date this schedules instead of publishing
    revision.refresh_from_db()
    assert revision.approved_go_live_at is not None
    assert not ArticlePage.objects.get(pk=article.pk).live
    with time_machine.travel(timezone.now() + timedelta(hours=2)):  # ... and the hour passes
        call_command("publish_scheduled", stdout=StringIO())
    assert ArticlePage.objects.get(pk=article.pk).live


def listing_html(client, url):
    return client.get(url).content.decode()


def test_unpublish_removes_article_from_listings_at_once(client, kb_indexes, category, article,
                                                         django_capture_on_commit_callbacks):
    for url in (category.url, kb_indexes["en"].url):
        assert article.url in listing_html(client, url)
    with django_capture_on_commit_callbacks(execute=True):  # cached pages are invalidated on commit
        article.unpublish()
    for url in (category.url, kb_indexes["en"].url):
        assert article.url not in listing_html(client, url)
    assert client.get(article.url).status_code == 404


def test_unpublish_through_the_admin(client, admin_user, kb_indexes, category, article):
    client.force_login(admin_user)
    response = client.post(reverse("wagtailadmin_pages:unpublish", args=[article.pk]))
    assert response.status_code == 302
    assert article.url not in listing_html(client, category.url)


def test_deleted_article_is_gone(client, kb_indexes, category, article):
    url = article.url
    article.delete()
    assert url not in listing_html(client, category.url)
    assert client.get(url).status_code == 404


def test_preview_before_the_article_exists_and_of_a_draft_change(client, admin_user, category, article):
    client.force_login(admin_user)
    add_url = reverse("wagtailadmin_pages:preview_on_add", args=["kb", "articlepage", category.pk])
    response = client.post(add_url, article_form_data("Preview me", "preview-me"))
    assert response.json()["is_valid"]
    html = client.get(add_url).content.decode()
    assert "Preview me" in html and "@ MX 10 mail.example.com." in html

    edit_url = reverse("wagtailadmin_pages:preview_on_edit", args=[article.pk])
    client.post(edit_url, article_form_data("Changed title", article.slug))
    html = client.get(edit_url).content.decode()
    assert "Changed title" in html
    assert ArticlePage.objects.get(pk=article.pk).title != "Changed title"  # only a preview
    from kb.counters import pending_views

    assert pending_views(article.pk) == 0  # previews are not views

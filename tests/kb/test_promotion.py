"""Promote a forum answer into a KB article: permissions, conversion, locale, provenance
and credit, banner, search grouping, review flag, XSS, audit. Real DB, templates and search."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation
from wagtail.models import ModelLogEntry, PageLogEntry

from accounts import roles
from forum import demo, permissions
from forum import services as forum_services
from kb import promotion
from kb.models import ArticlePage, PromotedAnswer
from search import outbox
from tests.factories import UserFactory
from tests.kb.factories import make_category

ANSWER = """Point the MX record at the new server.

## Steps

1. Open the **DNS zone**.
2. Replace the MX record.

- check with [MXToolbox](https://mxtoolbox.com/)
- wait for the TTL

```shell
dig +short MX example.com
```

![diagram](https://example.com/mx.png)
"""


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def forums(db):
    permissions.sync_all()
    return demo.ensure_forums()


@pytest.fixture
def asker(db):
    user = UserFactory(username="asker", display_name="Asker")
    user.groups.add(Group.objects.get(name=roles.CUSTOMERS))
    return user


@pytest.fixture
def answerer(db):
    user = UserFactory(username="answerer", display_name="Helpful Hanna")
    user.groups.add(Group.objects.get(name=roles.CUSTOMERS))
    return user


@pytest.fixture
def thread(forums, kb_indexes, asker, answerer):
    """A solved email question: (topic, accepted answer)."""
    topic = forum_services.create_topic(
        forums["email"], asker, "Mail still arrives at the old server", "My **mail** goes to the old host. Why?", "en"
    )
    answer = forum_services.create_reply(topic, answerer, ANSWER)
    superuser = UserFactory(is_superuser=True)
    forum_services.accept_answer(topic, answer, superuser)
    topic.refresh_from_db()
    return topic, answer


def topic_page(topic) -> str:
    return reverse(
        "forum_conversation:topic",
        kwargs={"forum_slug": topic.forum.slug, "forum_pk": topic.forum_id, "slug": topic.slug, "pk": topic.pk},
    )


def promote_url(post) -> str:
    return reverse("kb_promotion:promote", args=[post.pk])


def submit(client, post, **overrides):
    response = client.get(promote_url(post))
    assert response.status_code == 200
    form = response.context["form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["show_credit"] = "on" if data.get("show_credit") else ""
    data.update(overrides)
    data = {k: v for k, v in data.items() if v is not None and v != ""}
    return client.post(promote_url(post), data)


# --- permissions ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_customers_and_moderators_without_kb_rights_neither_see_nor_use_the_action(
    client, thread, customer, moderator
):
    topic, answer = thread
    for user in (customer, moderator):
        client.force_login(user)
        page = client.get(topic_page(topic))
        assert page.status_code == 200
        assert promote_url(answer) not in page.content.decode()
        assert client.get(promote_url(answer)).status_code == 403
        assert client.post(promote_url(answer), {"title": "x", "summary": "y", "body": "z"}).status_code == 403
    assert not ArticlePage.objects.exists()
    client.logout()
    assert client.get(promote_url(answer)).status_code == 302  # to the login page


@pytest.mark.django_db
def test_support_staff_see_the_action_on_every_reply_and_prominently_on_the_accepted_one(
    client, thread, staff, moderator
):
    topic, answer = thread
    other = forum_services.create_reply(topic, moderator, "Also lower the TTL first.")
    client.force_login(staff)
    html = client.get(topic_page(topic)).content.decode()
    assert promote_url(answer) in html and promote_url(other) in html
    assert promote_url(topic.first_post) not in html  # the question itself is not an answer
    assert f'href="{promote_url(answer)}" class="post-action post-action-promote btn btn-primary' in html


# --- prefill, conversion, locale ------------------------------------------------------------------


@pytest.mark.django_db
def test_form_is_prefilled_from_the_topic(client, thread, staff, kb_indexes):
    _topic, answer = thread
    email_category = make_category(kb_indexes["en"], "Email", "email")
    client.force_login(staff)
    form = client.get(promote_url(answer)).context["form"]
    assert form.initial["title"] == "Mail still arrives at the old server"
    assert form.initial["summary"] == "Point the MX record at the new server."
    assert form.initial["parent"] == email_category.pk  # forum slug "email" ↔ KB category slug
    assert "My **mail** goes to the old host" in form.initial["body"]
    assert "dig +short MX example.com" in form.initial["body"]
    assert form.initial["tags"] == "email"


@pytest.mark.django_db
def test_conversion_keeps_headings_lists_links_code_and_images_as_links(client, thread, staff):
    _topic, answer = thread
    client.force_login(staff)
    response = submit(client, answer, draft="1")
    assert response.status_code == 302
    article = ArticlePage.objects.get()
    article = article.get_latest_revision_as_object()
    types = [block.block_type for block in article.body]
    headings = [b.value["text"] for b in article.body if b.block_type == "heading"]
    assert headings == ["Question", "Answer", "Steps"]
    code = [b.value for b in article.body if b.block_type == "code"]
    assert code == [{"language": "shell", "code": "dig +short MX example.com"}] or (
        code[0]["language"] == "shell" and code[0]["code"] == "dig +short MX example.com"
    )
    paragraphs = "".join(b.value.source for b in article.body if b.block_type == "paragraph")
    assert "<ol>" in paragraphs and "<ul>" in paragraphs and "<strong>DNS zone</strong>" in paragraphs
    assert 'href="https://mxtoolbox.com/"' in paragraphs
    assert 'href="https://example.com/mx.png"' in paragraphs  # images cross over as links
    assert "code" in types


@pytest.fixture
def wagtail_image(settings, tmp_path):
    """A Wagtail image with one rendition, files under a temporary MEDIA_ROOT."""
    from io import BytesIO

    import PIL.Image
    from django.core.files.images import ImageFile
    from wagtail.images import get_image_model

    settings.MEDIA_ROOT = tmp_path
    data = BytesIO()
    PIL.Image.new("RGB", (320, 200), "navy").save(data, "PNG")
    image = get_image_model().objects.create(title="MX records in the DNS zone", file=ImageFile(data, name="mx.png"))
    return image, image.get_rendition("width-200")


@pytest.mark.django_db
def test_own_images_become_image_blocks_and_other_images_stay_links(client, forums, kb_indexes, asker, staff,
                                                                     wagtail_image):
    image, rendition = wagtail_image
    assert image.file.url.startswith("/media/") and rendition.url != image.file.url
    body = "\n\n".join([
        "Intro text.",
        f"![The MX records]({image.file.url})",  # the original, relative URL
        f"Before the rendition\n![]({rendition.url})\nafter it.",  # a line of its own inside a paragraph
        f"![On our host](http://testserver{image.file.url})",
        "![External](https://cdn.example.net/media/mx.png)",  # not ours: never fetched, stays a link
        "![Missing](/media/original_images/nope.png)",  # our media URL but no such image
        f"[A plain link to the file]({image.file.url})",  # a link, not an image
        f"- in a list: ![listed]({image.file.url})",
    ])
    topic = forum_services.create_topic(forums["email"], asker, "Where are my MX records?", "Question?", "en")
    answer = forum_services.create_reply(topic, staff, body)
    client.force_login(staff)
    assert submit(client, answer, publish="1").status_code == 302
    article = ArticlePage.objects.get()
    blocks = [(b.block_type, b.value) for b in article.body]
    images = [value for kind, value in blocks if kind == "image"]
    assert [(v["image"].pk, v["image"].contextual_alt_text) for v in images] == [
        (image.pk, "The MX records"), (image.pk, "MX records in the DNS zone"), (image.pk, "On our host")
    ]
    kinds = [kind for kind, _value in blocks]
    first_image = kinds.index("image")
    # Text around the rendition line stays, split before and after the image.
    paragraphs = [value.source for kind, value in blocks if kind == "paragraph"]
    assert any("Before the rendition" in p and "after it" not in p for p in paragraphs)
    assert any(p.startswith("<p>after it.") for p in paragraphs)
    assert kinds[first_image + 1: first_image + 4] == ["paragraph", "image", "paragraph"]
    text = "".join(paragraphs)
    for href in ("https://cdn.example.net/media/mx.png", "/media/original_images/nope.png"):
        assert f'href="{href}"' in text
    assert ">A plain link to the file</a>" in text and ">listed</a>" in text
    # The published page shows the image from our media.
    client.logout()
    page = client.get(article.url).content.decode()
    assert 'alt="The MX records"' in page and "/media/images/mx" in page


@pytest.mark.django_db
def test_locale_comes_from_the_topic_language(client, forums, kb_indexes, asker, answerer, staff):
    topic = forum_services.create_topic(forums["email"], asker, "Post wedi'i golli", "Ble mae fy e-bost?", "cy")
    answer = forum_services.create_reply(topic, answerer, "Gwiriwch y cofnod MX.")
    client.force_login(staff)
    response = client.get(promote_url(answer))
    assert response.context["language"] == "cy"
    assert submit(client, answer, publish="1").status_code == 302
    article = ArticlePage.objects.get()
    assert article.locale.language_code == "cy"
    assert article.get_parent().pk == kb_indexes["cy"].pk
    assert [b.value["text"] for b in article.body if b.block_type == "heading"][:2] != ["Question", "Answer"]


# --- provenance, credit, banner, audit ------------------------------------------------------------


@pytest.mark.django_db
def test_publish_records_provenance_credits_the_author_and_links_back(client, thread, staff, answerer):
    topic, answer = thread
    client.force_login(staff)
    assert submit(client, answer, publish="1").status_code == 302
    article = ArticlePage.objects.get()
    assert article.live and article.source_topic_id == topic.pk
    promoted = PromotedAnswer.objects.get(article=article)
    assert (promoted.topic_id, promoted.post_id, promoted.author_id, promoted.promoted_by_id) == (
        topic.pk, answer.pk, answerer.pk, staff.pk
    )
    client.logout()
    html = client.get(article.url).content.decode()
    assert "Originally answered by Helpful Hanna" in html
    assert f'href="{topic_page(topic)}"' in html
    # The topic now points to the article.
    topic_html = client.get(topic_page(topic)).content.decode()
    assert "This answer is now a knowledge base article" in topic_html
    assert f'href="{article.url}"' in topic_html


@pytest.mark.django_db
def test_no_credit_when_the_author_opted_out_in_their_profile(client, thread, staff, answerer,
                                                              django_capture_on_commit_callbacks):
    _topic, answer = thread
    client.force_login(answerer)
    response = client.post(
        reverse("accounts:profile"),
        {"display_name": "Helpful Hanna", "email": "hanna@example.com", "preferred_language": "en"},
    )  # the checkbox left unticked
    assert response.status_code == 302
    answerer.refresh_from_db()
    assert answerer.credit_in_articles is False
    client.force_login(staff)
    assert "opted out" in client.get(promote_url(answer)).content.decode()
    submit(client, answer, publish="1")
    article = ArticlePage.objects.get()
    client.logout()
    assert "Originally answered by" not in client.get(article.url).content.decode()
    # Opting back in shows the credit again (checked on every render).
    answerer.credit_in_articles = True
    with django_capture_on_commit_callbacks(execute=True):  # cached pages are invalidated on commit
        answerer.save()
    assert "Originally answered by Helpful Hanna" in client.get(article.url).content.decode()


@pytest.mark.django_db
def test_a_draft_shows_no_banner_and_the_audit_log_records_the_promotion(client, thread, staff):
    topic, answer = thread
    client.force_login(staff)
    submit(client, answer, draft="1")
    article = ArticlePage.objects.get()
    assert not article.live
    assert "This answer is now a knowledge base article" not in client.get(topic_page(topic)).content.decode()
    entry = PageLogEntry.objects.get(page=article, action=promotion.LOG_ACTION)
    assert entry.user_id == staff.pk
    assert entry.data["topic_id"] == topic.pk and entry.data["post_id"] == answer.pk
    assert entry.data["outcome"] == promotion.SAVED_DRAFT
    assert str(entry.message) == "Promoted from a forum answer"
    assert not ModelLogEntry.objects.filter(action=promotion.LOG_ACTION).exists()


@pytest.mark.django_db
def test_writers_without_publish_rights_submit_to_the_review_workflow(client, thread, kb_indexes):
    from kb.setup import writers

    _topic, answer = thread
    writer = UserFactory(is_staff=True)
    writer.groups.add(writers())
    client.force_login(writer)
    assert submit(client, answer, publish="1").status_code == 302
    article = ArticlePage.objects.get()
    assert not article.live
    assert article.current_workflow_state is not None
    assert PageLogEntry.objects.get(page=article, action=promotion.LOG_ACTION).data["outcome"] == promotion.SUBMITTED


# --- safety ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_xss_payload_produces_a_harmless_article(client, forums, kb_indexes, asker, answerer, staff):
    payload = (
        'Try this <script>alert(1)</script><img src=x onerror="alert(2)">'
        ' [click](javascript:alert(3)) <iframe src="https://evil.example"></iframe>'
        ' <a href="data:text/html,boom" onclick="alert(4)">x</a>'
    )
    topic = forum_services.create_topic(forums["email"], asker, "Help <b>me</b>", "Question?", "en")
    answer = forum_services.create_reply(topic, answerer, payload)
    client.force_login(staff)
    submit(client, answer, publish="1")
    article = ArticlePage.objects.get()
    from bs4 import BeautifulSoup

    stored = "".join(b.value.source for b in article.body if b.block_type == "paragraph")
    page = client.get(article.url).content.decode()
    body = str(BeautifulSoup(page, "html.parser").select_one(".kb-body"))
    for html in (stored, body):
        soup = BeautifulSoup(html, "html.parser")
        assert not soup.find_all(["script", "iframe", "img"])
        for tag in soup.find_all(True):
            assert not [name for name in tag.attrs if name.lower().startswith("on")], tag
            for attr in ("href", "src"):
                assert not str(tag.get(attr, "")).lower().startswith(("javascript:", "data:")), tag
    assert "Try this" in body  # the harmless text crossed over


# --- review flag -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_reply_after_promotion_flags_the_article_for_review(client, thread, staff, moderator):
    topic, answer = thread
    client.force_login(staff)
    submit(client, answer, publish="1")
    promoted = PromotedAnswer.objects.get()
    assert not promoted.source_changed
    forum_services.create_reply(topic, moderator, "Update: the provider changed its MX hosts.")
    promoted.refresh_from_db()
    assert promoted.source_changed and promoted.source_changed_at is not None
    # Visible to staff in the Wagtail admin listing.
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    listing = client.get(reverse("kb_promoted:index") + "?source_changed=true")
    assert listing.status_code == 200
    assert promoted.article.title in listing.content.decode()


@pytest.mark.django_db
def test_replies_in_other_topics_do_not_flag(client, thread, staff, forums, asker, moderator):
    _topic, answer = thread
    client.force_login(staff)
    submit(client, answer, publish="1")
    other = forum_services.create_topic(forums["email"], asker, "Another thing", "Unrelated?", "en")
    forum_services.create_reply(other, moderator, "Unrelated answer.")
    assert not PromotedAnswer.objects.get().source_changed


@pytest.mark.django_db
def test_held_replies_flag_only_once_a_moderator_approves_them(client, thread, staff, asker):
    topic, answer = thread
    client.force_login(staff)
    submit(client, answer, publish="1")
    held = forum_services.create_reply(topic, asker, "Buy cheap watches", approved=False)
    assert not PromotedAnswer.objects.get().source_changed  # readers can't see it: nothing to review
    held.approved = True  # what machina's moderation queue does on "Approve"
    held.save()
    assert PromotedAnswer.objects.get().source_changed


@pytest.mark.django_db
def test_support_staff_see_the_flag_in_the_admin_and_clear_it_after_review(client, thread, staff, moderator):
    topic, answer = thread
    client.force_login(staff)
    submit(client, answer, publish="1")
    article = ArticlePage.objects.get()
    promoted = PromotedAnswer.objects.get()
    edit_page = reverse("wagtailadmin_pages:edit", args=[article.pk])
    clear_url = reverse("kb_promoted:edit", args=[promoted.pk])
    # Nothing to review yet: no warning, no dashboard panel.
    assert "has new replies" not in client.get(edit_page).content.decode()
    assert "Promoted articles to review" not in client.get(reverse("wagtailadmin_home")).content.decode()

    forum_services.create_reply(topic, moderator, "Update: the provider changed its MX hosts.")
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Promoted articles to review" in dashboard and article.title in dashboard and clear_url in dashboard
    assert "Promoted answers" in dashboard  # the menu item
    editor = client.get(edit_page).content.decode()
    assert "The community thread this article was promoted from has new replies" in editor
    assert topic_page(topic) in editor and clear_url in editor
    listing = client.get(reverse("kb_promoted:index"), {"source_changed": "true"}).content.decode()
    assert article.title in listing

    # Reviewed: untick the flag on the row's edit form.
    response = client.post(clear_url, {"show_credit": "on"})
    assert response.status_code == 302
    promoted.refresh_from_db()
    assert not promoted.source_changed and promoted.show_credit
    assert "has new replies" not in client.get(edit_page).content.decode()
    assert "Promoted articles to review" not in client.get(reverse("wagtailadmin_home")).content.decode()
    assert article.title not in client.get(reverse("kb_promoted:index"), {"source_changed": "true"}).content.decode()
    # Wagtail's log keeps who cleared it.
    assert ModelLogEntry.objects.filter(object_id=str(promoted.pk), action="wagtail.edit", user=staff).exists()


# --- search ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_search_shows_the_article_first_with_the_thread_grouped_under_it(client, thread, staff, settings):
    settings.SEARCH_BACKEND = "database"
    topic, answer = thread
    outbox.drain()
    before = client.get(reverse("search_api:search"), {"q": "mail old server"}).json()
    assert next(r["id"] for r in before["results"]) == f"topic:{topic.pk}"

    client.force_login(staff)
    submit(client, answer, publish="1")
    article = ArticlePage.objects.get()
    report = outbox.drain()
    assert not report.failed
    client.logout()
    results = client.get(reverse("search_api:search"), {"q": "mail old server"}).json()["results"]
    ids = [r["id"] for r in results]
    assert ids[:2] == [f"kb:{article.pk}", f"topic:{topic.pk}"]
    assert ids.count(f"topic:{topic.pk}") == 1
    assert results[1]["folded_under"] == f"kb:{article.pk}"
    assert "folded_under" not in results[0]
    from bs4 import BeautifulSoup

    page = BeautifulSoup(client.get(reverse("search:search"), {"q": "mail old server"}).content, "html.parser")
    top = page.select("ol.search-results > li.search-result")
    assert top[0]["data-result-id"] == f"kb:{article.pk}"
    assert f"topic:{topic.pk}" not in [li["data-result-id"] for li in top]  # not a separate result
    nested = top[0].select("ul.search-results-folded > li.search-result-folded")
    assert [li["data-result-id"] for li in nested] == [f"topic:{topic.pk}"]
    assert nested[0]["data-folded-under"] == f"kb:{article.pk}"
    assert nested[0].select_one(".search-result-title a")["href"].endswith(topic_page(topic).removeprefix("/en"))

"""Every forum page renders inside the site layout for every role (no 500), our views are the
ones machina's URLs resolve to, and the topic language works end to end."""

import re

import pytest
from django.urls import resolve, reverse
from django.utils import translation
from machina.core.db.models import get_model

from forum import notifications, services, views
from forum.models import PostReport, TopicInfo
from tests.forum.factories import make_reply, make_topic

Topic = get_model("forum_conversation", "Topic")
ROLES = ("anonymous", "customer", "moderator", "staff")


def forum_urls(topic, reply, customer, forum):
    f = {"forum_slug": forum.slug, "forum_pk": forum.pk}
    t = {**f, "slug": topic.slug, "pk": topic.pk}
    tp = {**f, "topic_slug": topic.slug, "topic_pk": topic.pk}
    m = {"slug": topic.slug, "pk": topic.pk}
    return [
        reverse("forum:index"),
        reverse("forum:forum", kwargs={"slug": forum.slug, "pk": forum.pk}),
        reverse("forum:forum", kwargs={"slug": forum.slug, "pk": forum.pk}) + "?status=solved&lang=en&page=1",
        reverse("forum:forum", kwargs={"slug": forum.parent.slug, "pk": forum.parent.pk}),
        reverse("forum_conversation:topic", kwargs=t),
        reverse("forum_conversation:topic", kwargs=t) + f"?post={reply.pk}",
        reverse("forum_conversation:topic", kwargs=t) + "?page=999",
        reverse("forum_conversation:topic_create", kwargs=f),
        reverse("forum_conversation:topic_update", kwargs=t),
        reverse("forum_conversation:post_create", kwargs=tp),
        reverse("forum_conversation:post_update", kwargs={**tp, "pk": reply.pk}),
        reverse("forum_conversation:post_delete", kwargs={**tp, "pk": reply.pk}),
        reverse("forum_member:profile", kwargs={"pk": customer.pk}),
        reverse("forum_member:user_posts", kwargs={"pk": customer.pk}),
        reverse("forum_member:user_subscriptions"),
        reverse("forum_member:profile_update"),
        reverse("forum_member:topic_subscribe", kwargs={"pk": topic.pk}),
        reverse("forum_member:topic_unsubscribe", kwargs={"pk": topic.pk}),
        reverse("forum_moderation:queue"),
        reverse("forum_moderation:topic_lock", kwargs=m),
        reverse("forum_moderation:topic_move", kwargs=m),
        reverse("forum_moderation:topic_delete", kwargs=m),
        reverse("forum_moderation:topic_update_to_sticky", kwargs=m),
        reverse("forum_tracking:unread_topics"),
        reverse("forum_tracking:mark_all_forums_read"),
        reverse("forum_tracking:mark_topics_read", kwargs={"pk": forum.pk}),
        reverse("forum_search:search") + "?q=mail",
        reverse("support_forum:report", args=[reply.pk]),
        reverse("support_forum:staff_attention"),
        reverse("support_forum:unsubscribe", args=[notifications.unsubscribe_token(customer.pk, topic.pk)]),
        reverse("support_forum:unsubscribe", args=["not-a-token"]),
        reverse("forum_feeds:latest_topics"),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_forum_page_renders_for_every_role(client, role, email_forum, customer, other_customer, moderator, staff):
    topic = make_topic(email_forum, customer, subject="Page render question", content="```\nmx\n```")
    reply = make_reply(topic, other_customer, "An answer")
    topic.refresh_from_db()
    services.accept_answer(topic, reply, customer)
    PostReport.objects.create(post=reply, reporter=customer, reason="spam")
    users = {"customer": customer, "moderator": moderator, "staff": staff}
    if role != "anonymous":
        client.force_login(users[role])

    for url in forum_urls(topic, reply, customer, email_forum):
        response = client.get(url)
        assert response.status_code < 500, f"{role} {url}: {response.status_code}"
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            body = response.content.decode()
            # Inside the site layout: our header and footer, not machina's own navbar.
            assert 'class="site-header"' in body and 'class="site-footer"' in body, url
            assert "navbar-brand" not in body, url


def test_our_views_are_wired_into_machinas_urls(email_forum, customer):
    topic = make_topic(email_forum, customer)
    cases = {
        reverse("forum:forum", kwargs={"slug": email_forum.slug, "pk": email_forum.pk}): views.ForumView,
        reverse("forum_conversation:topic", kwargs={
            "forum_slug": email_forum.slug, "forum_pk": email_forum.pk, "slug": topic.slug, "pk": topic.pk,
        }): views.TopicView,
        reverse("forum_conversation:topic_create", kwargs={
            "forum_slug": email_forum.slug, "forum_pk": email_forum.pk,
        }): views.TopicCreateView,
        reverse("forum_conversation:post_create", kwargs={
            "forum_slug": email_forum.slug, "forum_pk": email_forum.pk, "topic_slug": topic.slug, "topic_pk": topic.pk,
        }): views.PostCreateView,
        reverse("forum_search:search"): views.SearchRedirectView,
    }
    for url, view_class in cases.items():
        assert resolve(url).func.view_class is view_class, url


def test_machina_search_sends_visitors_to_our_search(client, db):
    response = client.get(reverse("forum_search:search") + "?q=dns")
    assert response.status_code == 302
    assert response["Location"] == reverse("search:search") + "?q=dns"


def test_topic_language_defaults_to_the_users_language_and_is_shown(client, email_forum, customer):
    customer.preferred_language = "lt"
    customer.save()
    client.force_login(customer)
    url = reverse("forum_conversation:topic_create", kwargs={"forum_slug": email_forum.slug, "forum_pk": email_forum.pk})
    form_page = client.get(url)
    assert form_page.context["post_form"]["language"].initial == "lt"

    response = client.post(url, {
        "subject": "Pašto dėžutė pilna", "content": "Ką daryti?", "language": "lt", "enable_signature": "on",
    })
    assert response.status_code == 302
    topic = Topic.objects.get(subject="Pašto dėžutė pilna")
    assert TopicInfo.objects.get(topic=topic).language == "lt"
    topic_page = client.get(response["Location"]).content.decode()
    assert 'lang="lt"' in topic_page and "Lietuvių" in topic_page
    listing = client.get(reverse("forum:forum", kwargs={"slug": email_forum.slug, "pk": email_forum.pk}))
    assert "Lietuvių" in listing.content.decode()
    assert "Pašto dėžutė pilna" in client.get(
        reverse("forum:forum", kwargs={"slug": email_forum.slug, "pk": email_forum.pk}) + "?lang=lt"
    ).content.decode()
    assert "Pašto dėžutė pilna" not in client.get(
        reverse("forum:forum", kwargs={"slug": email_forum.slug, "pk": email_forum.pk}) + "?lang=en"
    ).content.decode()


def test_topic_language_can_be_changed_when_editing(client, email_forum, customer):
    topic = make_topic(email_forum, customer, subject="Wrong language", language="en")
    client.force_login(customer)
    url = reverse("forum_conversation:topic_update", kwargs={
        "forum_slug": email_forum.slug, "forum_pk": email_forum.pk, "slug": topic.slug, "pk": topic.pk,
    })
    assert client.get(url).context["post_form"]["language"].initial == "en"
    client.post(url, {"subject": "Wrong language", "content": "Merhaba", "language": "tr", "enable_signature": "on"})
    assert TopicInfo.objects.get(topic=topic).language == "tr"


def test_language_defaults_to_page_language_without_a_preference(client, email_forum, customer):
    customer.preferred_language = ""
    customer.save()
    client.force_login(customer)
    with translation.override("cy"):
        url = reverse("forum_conversation:topic_create", kwargs={"forum_slug": email_forum.slug, "forum_pk": email_forum.pk})
    response = client.get(url)
    assert response.context["post_form"]["language"].initial == "cy"


def test_forum_names_follow_the_page_language(client, forums):
    with translation.override("tr"):
        url = reverse("forum:index")
    assert url.startswith("/tr/")
    page = client.get(url).content.decode()
    assert "Alan adları ve DNS" in page and "Faturalama ve hesap" in page


def test_attachments_are_disabled(client, email_forum, staff):
    client.force_login(staff)
    url = reverse("forum_conversation:topic_create", kwargs={"forum_slug": email_forum.slug, "forum_pk": email_forum.pk})
    response = client.get(url)
    assert response.context["attachment_formset"] is None
    assert b'type="file"' not in response.content


def test_non_numeric_member_id_is_not_found(client, forums):
    assert client.get("/en/community/member/profile/abc/").status_code == 404
    assert client.get("/en/community/member/profile/abc/posts/").status_code == 404


def test_feeds_and_profiles_do_not_leak_private_topics(client, staff_forum, staff, customer):
    make_topic(staff_forum, staff, subject="Internal escalation notes")
    client.force_login(customer)
    for url in (
        reverse("forum_feeds:latest_topics"),
        reverse("forum_member:profile", kwargs={"pk": staff.pk}),
        reverse("forum_member:user_posts", kwargs={"pk": staff.pk}),
    ):
        response = client.get(url)
        assert response.status_code == 200 and b"Internal escalation notes" not in response.content, url


def test_queued_posts_stay_hidden_on_the_members_post_list(client, question, newcomer, other_customer, moderator):
    services.create_reply(question, newcomer, "Visit my totally legit shop", approved=False)
    url = reverse("forum_member:user_posts", kwargs={"pk": newcomer.pk})
    assert b"totally legit shop" not in client.get(url).content
    client.force_login(other_customer)
    assert b"totally legit shop" not in client.get(url).content
    client.force_login(newcomer)
    assert b"totally legit shop" in client.get(url).content
    client.force_login(moderator)
    assert b"totally legit shop" in client.get(url).content


@pytest.mark.parametrize("lang", ["ne", "cy", "lo", "tr", "lt"])
def test_machinas_own_form_labels_are_translated(client, email_forum, customer, lang):
    """machina ships no catalogue for most of our languages: its labels come from ours."""
    client.force_login(customer)
    with translation.override(lang):
        url = reverse("forum_conversation:topic_create", kwargs={"forum_slug": email_forum.slug, "forum_pk": email_forum.pk})
        expected = translation.gettext("Attach a signature")
    html = client.get(url).content.decode()
    assert url.startswith(f"/{lang}/")
    assert expected != "Attach a signature"
    assert expected in html and "Attach a signature" not in html


def test_forum_lists_start_in_the_readers_language_with_the_others_one_click_away(client, email_forum, customer):
    english = make_topic(email_forum, customer, subject="Mailbox is full", language="en")
    lao = make_topic(email_forum, customer, subject="ກ່ອງຈົດໝາຍເຕັມ", language="lo")
    turkish = make_topic(email_forum, customer, subject="Posta kutusu dolu", language="tr")
    url = reverse("forum:forum", kwargs={"slug": email_forum.slug, "pk": email_forum.pk})
    page = client.get(url).content.decode()
    assert english.subject in page and lao.subject not in page and turkish.subject not in page
    assert 'href="?lang=lo" lang="lo" hreflang="lo">ລາວ (1)</a>' in page
    assert 'href="?lang=tr" lang="tr" hreflang="tr">Türkçe (1)</a>' in page
    assert 'href="?lang=all">All languages (3)</a>' in page
    everything = client.get(url, {"lang": "all"}).content.decode()
    assert all(topic.subject in everything for topic in (english, lao, turkish))
    assert '<option value="all" selected>' in everything
    lao_page = client.get(url.replace("/en/", "/lo/", 1)).content.decode()
    assert lao.subject in lao_page and english.subject not in lao_page


def test_a_new_post_does_not_attach_the_signature_unless_ticked(client, email_forum, customer, question):
    client.force_login(customer)
    ask = reverse("forum_conversation:topic_create", kwargs={"forum_slug": email_forum.slug, "forum_pk": email_forum.pk})
    reply = reverse("forum_conversation:post_create", kwargs={
        "forum_slug": email_forum.slug, "forum_pk": email_forum.pk, "topic_slug": question.slug, "topic_pk": question.pk})
    for url in (ask, reply):
        html = client.get(url).content.decode()
        checkbox = re.search(r'<input[^>]*name="enable_signature"[^>]*>', html).group()
        assert "checked" not in checkbox, url

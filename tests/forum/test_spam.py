"""Spam and abuse controls: rate limits (stricter for new accounts) that keep the typed text,
the link limit for new accounts, the approval queue for new accounts, and reports."""

import html

from django.urls import reverse
from machina.core.db.models import get_model

from forum.models import PostReport
from tests.forum.factories import make_reply

Post = get_model("forum_conversation", "Post")
Topic = get_model("forum_conversation", "Topic")


def create_url(forum):
    return reverse("forum_conversation:topic_create", kwargs={"forum_slug": forum.slug, "forum_pk": forum.pk})


def reply_url(topic):
    return reverse("forum_conversation:post_create", kwargs={
        "forum_slug": topic.forum.slug, "forum_pk": topic.forum_id, "topic_slug": topic.slug, "topic_pk": topic.pk,
    })


def ask(client, forum, subject, content="My site shows a 500 error after the PHP upgrade."):
    return client.post(
        create_url(forum), {"subject": subject, "content": content, "language": "en", "enable_signature": "on"}
    )


def test_new_account_hits_topic_limit_and_keeps_the_text(client, email_forum, newcomer, settings):
    settings.FORUM_RATE_LIMITS = {"topic_new_account": (1, 3600), "topic": (5, 3600)}
    client.force_login(newcomer)
    assert ask(client, email_forum, "First question").status_code == 302

    typed = "My **second** question: why does `mail()` fail?"
    response = ask(client, email_forum, "Second question", typed)
    assert response.status_code == 200
    page = response.content.decode()
    assert "You can start at most 1 topic every 60 minutes." in page
    assert "Your text is still here" in page
    assert html.escape(typed, quote=False) in page  # the textarea still holds what they typed
    assert 'value="Second question"' in page
    assert not Topic.objects.filter(subject="Second question").exists()


def test_established_account_gets_the_normal_limit(client, email_forum, customer, settings):
    settings.FORUM_RATE_LIMITS = {"topic_new_account": (1, 3600), "topic": (2, 3600)}
    client.force_login(customer)
    assert ask(client, email_forum, "One").status_code == 302
    assert ask(client, email_forum, "Two").status_code == 302
    response = ask(client, email_forum, "Three")
    assert response.status_code == 200 and b"at most 2 topics" in response.content


def test_previews_do_not_count(client, email_forum, newcomer, settings):
    settings.FORUM_RATE_LIMITS = {"topic_new_account": (1, 3600)}
    client.force_login(newcomer)
    for _ in range(3):
        response = client.post(create_url(email_forum), {
            "subject": "Draft", "content": "Draft text", "language": "en", "preview": "1",
        })
        assert response.status_code == 200 and b"rate" not in response.content.lower()
    assert ask(client, email_forum, "Real one").status_code == 302


def test_reply_limit_keeps_the_reply_text(client, question, newcomer, settings):
    settings.FORUM_RATE_LIMITS = {"reply_new_account": (1, 3600)}
    client.force_login(newcomer)
    data = {"subject": "Re: x", "content": "First reply", "enable_signature": "on"}
    assert client.post(reply_url(question), data).status_code == 302
    response = client.post(reply_url(question), {**data, "content": "Second reply, typed with care"})
    assert response.status_code == 200
    assert b"at most 1 reply every 60 minutes" in response.content
    assert b"Second reply, typed with care" in response.content
    assert not Post.objects.filter(content="Second reply, typed with care").exists()


def test_moderators_are_not_rate_limited(client, email_forum, moderator, settings):
    settings.FORUM_RATE_LIMITS = {"topic": (1, 3600)}
    client.force_login(moderator)
    assert ask(client, email_forum, "Mod one").status_code == 302
    assert ask(client, email_forum, "Mod two").status_code == 302


def test_new_accounts_have_a_link_limit(client, email_forum, newcomer, customer, settings):
    settings.FORUM_NEW_ACCOUNT_MAX_LINKS = 2
    spammy = "Buy now https://a.example https://b.example [cheap](https://c.example)"
    client.force_login(newcomer)
    response = ask(client, email_forum, "Great offer", spammy)
    assert response.status_code == 200
    assert b"at most 2 links in a post; this one has 3" in response.content
    assert html.escape(spammy, quote=False).encode() in response.content
    assert not Topic.objects.filter(subject="Great offer").exists()

    # Two links are fine; established accounts have no link limit.
    assert ask(client, email_forum, "Two links", "See https://a.example and https://b.example").status_code == 302
    client.force_login(customer)
    assert ask(client, email_forum, "Many links", spammy).status_code == 302


def test_approval_queue_for_new_accounts_when_enabled(client, email_forum, newcomer, moderator, settings):
    settings.FORUM_APPROVE_NEW_ACCOUNTS = True
    client.force_login(newcomer)
    response = ask(client, email_forum, "Waiting for approval")
    assert response.status_code == 302
    topic = Topic.objects.get(subject="Waiting for approval")
    assert not topic.approved and not topic.first_post.approved
    listing = client.get(reverse("forum:forum", kwargs={"slug": email_forum.slug, "pk": email_forum.pk}))
    assert b"Waiting for approval" not in listing.content

    client.force_login(moderator)
    queue = client.get(reverse("forum_moderation:queue"))
    assert b"Waiting for approval" in queue.content
    client.post(reverse("forum_moderation:approve_queued_post", args=[topic.first_post_id]))
    topic.refresh_from_db()
    assert topic.approved
    listing = client.get(reverse("forum:forum", kwargs={"slug": email_forum.slug, "pk": email_forum.pk}))
    assert b"Waiting for approval" in listing.content


def test_approval_queue_is_off_by_default(client, email_forum, newcomer):
    client.force_login(newcomer)
    ask(client, email_forum, "Straight in")
    assert Topic.objects.get(subject="Straight in").approved


def test_report_button_reaches_the_staff_attention_page(client, answered, customer, moderator):
    _topic, first, _second = answered
    client.force_login(customer)
    form = client.get(reverse("support_forum:report", args=[first.pk]))
    assert form.status_code == 200 and b'name="reason"' in form.content
    # A missing reason is refused and the comment is kept.
    response = client.post(reverse("support_forum:report", args=[first.pk]), {"comment": "Looks like an ad"})
    assert response.status_code == 400 and b"Looks like an ad" in response.content
    response = client.post(
        reverse("support_forum:report", args=[first.pk]), {"reason": "spam", "comment": "Looks like an ad"}
    )
    assert response.status_code == 302
    # Reporting twice keeps one open report.
    client.post(reverse("support_forum:report", args=[first.pk]), {"reason": "abuse"})
    assert PostReport.objects.open().count() == 1

    client.force_login(moderator)
    page = client.get(reverse("support_forum:staff_attention")).content.decode()
    assert "Reported posts" in page and "Looks like an ad" in page and "Spam or advertising" in page
    report = PostReport.objects.get()
    client.post(reverse("support_forum:resolve_report", args=[report.pk]))
    assert not PostReport.objects.open().exists()


def test_staff_attention_lists_unanswered_topics_after_the_threshold(
    client, email_forum, customer, other_customer, moderator, settings
):
    import time_machine
    from django.utils import timezone

    from tests.forum.factories import make_topic

    settings.FORUM_UNANSWERED_HOURS = 24
    with time_machine.travel(timezone.now() - timezone.timedelta(hours=30)):
        old = make_topic(email_forum, customer, subject="Old and unanswered")
        answered_old = make_topic(email_forum, customer, subject="Old but answered")
    make_reply(answered_old, other_customer, "Answer")
    make_topic(email_forum, customer, subject="Fresh question")

    client.force_login(moderator)
    page = client.get(reverse("support_forum:staff_attention")).content.decode()
    assert old.subject in page
    assert "Old but answered" not in page and "Fresh question" not in page

    settings.FORUM_UNANSWERED_HOURS = 48
    page = client.get(reverse("support_forum:staff_attention")).content.decode()
    assert old.subject not in page


def test_staff_attention_is_for_moderators_only(client, customer):
    url = reverse("support_forum:staff_attention")
    assert "/accounts/login/" in client.get(url)["Location"]
    client.force_login(customer)
    assert client.get(url).status_code == 403

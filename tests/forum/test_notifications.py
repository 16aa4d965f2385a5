"""Notifications: posting follows the topic; followers get one email per new reply and per
accepted answer, only after the transaction commits; one-click unsubscribe works logged out;
a failing mail server never breaks posting and the email is retried."""

from datetime import timedelta

import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from forum import notifications, services
from forum.models import NotificationEmail
from tests.forum.factories import make_reply, make_topic

DOWN = "tests.forum.failing_mail.DownMailServerBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def reply_url(topic):
    return reverse("forum_conversation:post_create", kwargs={
        "forum_slug": topic.forum.slug, "forum_pk": topic.forum_id, "topic_slug": topic.slug, "topic_pk": topic.pk,
    })


def post_reply(client, topic, text="Try clearing the DNS cache."):
    return client.post(reply_url(topic), {"subject": f"Re: {topic.subject}", "content": text, "enable_signature": "on"})


def unsubscribe_link(message) -> str:
    for line in message.body.splitlines():
        if "/unsubscribe/" in line:
            return line[line.index("http"):].strip().removeprefix("http://testserver")
    raise AssertionError("no unsubscribe link in the email")


def test_posting_follows_the_topic(question, customer, other_customer):
    assert question.subscribers.filter(pk=customer.pk).exists()
    make_reply(question, other_customer, "Me too")
    assert question.subscribers.filter(pk=other_customer.pk).exists()


def test_reply_email_goes_out_once_and_only_after_commit(
    client, question, customer, other_customer, django_capture_on_commit_callbacks
):
    client.force_login(other_customer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_reply(client, question)
    assert response.status_code == 302
    assert callbacks  # the sending waits for the commit
    assert mail.outbox == []  # nothing is sent inside the transaction
    row = NotificationEmail.objects.get()
    assert row.status == NotificationEmail.Status.PENDING and row.recipient == customer

    for callback in callbacks:  # the transaction has committed
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [customer.email]
    assert question.subject in message.subject
    assert "Try clearing the DNS cache." in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert NotificationEmail.objects.get().status == NotificationEmail.Status.SENT

    # Running the worker, or saving the reply again, sends nothing more.
    call_command("forum_send_notifications")
    reply = question.posts.order_by("-created").first()
    reply.content = "Try clearing the DNS cache (edited)."
    with django_capture_on_commit_callbacks(execute=True):
        reply.save()
    assert len(mail.outbox) == 1


def test_the_replier_is_not_mailed_about_their_own_reply(
    client, question, customer, django_capture_on_commit_callbacks
):
    client.force_login(customer)  # the asker answers their own question
    with django_capture_on_commit_callbacks(execute=True):
        post_reply(client, question, "Found it myself: the TTL.")
    assert mail.outbox == []


def test_unsubscribe_link_works_logged_out(question, customer, other_customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_reply(question, other_customer, "First answer")
    link = unsubscribe_link(mail.outbox[0])

    anonymous = Client(enforce_csrf_checks=True)
    page = anonymous.get(link)
    assert page.status_code == 200 and b"Unsubscribe" in page.content
    assert question.subscribers.filter(pk=customer.pk).exists()  # GET alone changes nothing
    assert anonymous.post(link).status_code == 200  # no login, no CSRF token: the token is the key
    assert not question.subscribers.filter(pk=customer.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        make_reply(question, other_customer, "Second answer")
    assert len(mail.outbox) == 1


def test_tampered_unsubscribe_token_is_refused(client, question, customer):
    token = notifications.unsubscribe_token(customer.pk, question.pk)
    response = client.post(reverse("support_forum:unsubscribe", args=[token[:-2] + "xx"]))
    assert response.status_code == 400
    assert question.subscribers.filter(pk=customer.pk).exists()


def test_accepted_answer_emails_asker_and_answerer(
    answered, customer, other_customer, moderator, django_capture_on_commit_callbacks
):
    topic, first, _second = answered
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_answer(topic, first, moderator)
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([customer.email, other_customer.email])
    assert all("Solved" in m.subject for m in mail.outbox)

    # Unmarking and marking the same answer again does not mail anyone twice.
    with django_capture_on_commit_callbacks(execute=True):
        services.unaccept_answer(topic, moderator)
        services.accept_answer(topic, first, moderator)
    assert len(mail.outbox) == 2


def test_asker_marking_their_own_solution_is_not_mailed(
    answered, customer, other_customer, django_capture_on_commit_callbacks
):
    topic, first, _second = answered
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_answer(topic, first, customer)
    assert [m.to[0] for m in mail.outbox] == [other_customer.email]


def test_failing_mail_server_never_breaks_posting_and_is_retried(
    client, question, customer, other_customer, settings, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = DOWN
    client.force_login(other_customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_reply(client, question, "Check the SPF record.")
    assert response.status_code == 302  # the reply is posted
    assert question.posts.filter(content="Check the SPF record.").exists()
    row = NotificationEmail.objects.get()
    assert row.status == NotificationEmail.Status.PENDING
    assert row.attempts == 1 and "SMTPServerDisconnected" in row.last_error
    assert row.next_attempt_at > timezone.now()
    assert "forum notification" in caplog.text  # logged

    # Not due yet: the worker leaves it alone.
    settings.EMAIL_BACKEND = LOCMEM
    call_command("forum_send_notifications")
    assert mail.outbox == []

    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        call_command("forum_send_notifications")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [customer.email]
    row.refresh_from_db()
    assert row.status == NotificationEmail.Status.SENT and row.attempts == 2


def test_gives_up_after_max_attempts(question, other_customer, settings):
    settings.EMAIL_BACKEND = DOWN
    settings.FORUM_NOTIFICATIONS_SEND_ON_COMMIT = False
    settings.FORUM_NOTIFICATION_MAX_ATTEMPTS = 3
    make_reply(question, other_customer, "An answer")
    row = NotificationEmail.objects.get()
    now = timezone.now()
    for hour in range(1, 5):
        with time_machine.travel(now + timedelta(hours=hour)):
            notifications.deliver()
    row.refresh_from_db()
    assert row.status == NotificationEmail.Status.FAILED and row.attempts == 3


def test_unfollowed_or_unreadable_topics_are_skipped(question, customer, other_customer, settings):
    settings.FORUM_NOTIFICATIONS_SEND_ON_COMMIT = False
    make_reply(question, other_customer, "An answer")
    question.subscribers.remove(customer)
    report = notifications.deliver()
    assert report.skipped == 1 and mail.outbox == []
    assert NotificationEmail.objects.get().status == NotificationEmail.Status.SKIPPED


def test_queued_post_notifies_when_approved(email_forum, customer, other_customer, django_capture_on_commit_callbacks):
    topic = make_topic(email_forum, customer, subject="Queued reply test")
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.create_reply(topic, other_customer, "Waiting for a moderator", approved=False)
    assert mail.outbox == []
    reply.approved = True
    with django_capture_on_commit_callbacks(execute=True):
        reply.save()
    assert len(mail.outbox) == 1


def test_a_busy_thread_queues_every_follower_with_one_insert(
    client, question, customer, other_customer, django_capture_on_commit_callbacks
):
    """The incident thread everyone follows: a reply queues one row per follower, in one INSERT
    however many follow it, and each is mailed once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts import roles
    from tests.conftest import _user_in

    followers = [_user_in(roles.CUSTOMERS, username=f"follower{n}") for n in range(6)]
    for user in followers:
        question.subscribers.add(user)
    client.force_login(other_customer)
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        assert post_reply(client, question).status_code == 302
    inserts = [q["sql"] for q in queries.captured_queries
               if q["sql"].startswith("INSERT") and NotificationEmail._meta.db_table in q["sql"]]
    assert len(inserts) == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted([customer.email] + [u.email for u in followers])

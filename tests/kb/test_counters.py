"""View counts: counted in the shared cache, written to view_count in batches; counters survive
publishing new revisions and are not copied into translations."""

from io import StringIO

from django.core.management import call_command
from django.test import override_settings

from kb import counters
from kb.models import ArticlePage
from tests.kb.factories import translate


def views(article):
    return ArticlePage.objects.get(pk=article.pk).view_count


@override_settings(KB_VIEW_FLUSH_EVERY=3)
def test_views_are_written_in_batches(client, article):
    client.get(article.url)
    client.get(article.url)
    assert views(article) == 0  # no write to the article on these views
    assert counters.pending_views(article.pk) == 2
    client.get(article.url)  # the third view reaches the batch size
    assert views(article) == 3
    assert counters.pending_views(article.pk) == 0
    client.get(article.url)
    assert views(article) == 3 and counters.pending_views(article.pk) == 1


@override_settings(KB_VIEW_FLUSH_EVERY=1000)
def test_flush_command_writes_what_is_pending(client, article, category):
    for _ in range(4):
        client.get(article.url)
    client.get(category.url)  # listings are not article views
    assert views(article) == 0
    call_command("kb_flush_views", stdout=StringIO())
    assert views(article) == 4
    assert counters.pending_views(article.pk) == 0
    call_command("kb_flush_views", stdout=StringIO())  # nothing pending: no double count
    assert views(article) == 4


@override_settings(KB_VIEW_FLUSH_EVERY=1)
def test_feedback_posts_and_head_requests_are_not_views(client, article):
    client.head(article.url)
    client.post(article.feedback_url(), {"helpful": "yes"})
    assert views(article) == 0


def test_publishing_a_revision_keeps_the_counters(article):
    ArticlePage.objects.filter(pk=article.pk).update(view_count=42, helpful_yes=5, helpful_no=2)
    draft = ArticlePage.objects.get(pk=article.pk)
    revision = draft.save_revision()  # an editor saved a draft when the counts were 42/5/2 ...
    ArticlePage.objects.filter(pk=article.pk).update(view_count=50, helpful_yes=6)  # ... readers went on
    revision.publish()
    article = ArticlePage.objects.get(pk=article.pk)
    assert (article.view_count, article.helpful_yes, article.helpful_no) == (50, 6, 2)


def test_translations_start_with_zero_counters(article):
    ArticlePage.objects.filter(pk=article.pk).update(view_count=42, helpful_yes=5, helpful_no=2)
    article = ArticlePage.objects.get(pk=article.pk)
    lao = translate(article, "lo", "ລາວ")
    assert (lao.view_count, lao.helpful_yes, lao.helpful_no) == (0, 0, 0)

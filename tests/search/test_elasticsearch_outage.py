"""The Elasticsearch backend when the cluster is down: no cluster is needed, the backend is pointed at
a closed local port (connection refused), exactly what a host sees when its cluster is unreachable.

Proven here: searches and suggestions answer from the embedded index with a notice (never a 500);
changes made during the outage reach the embedded index at once and stay in the outbox for
Elasticsearch; `search_status` and `health()` report the outage and the backlog; a rebuild fails
cleanly without touching anything; and the deferred rows are replayed, oldest first and none lost,
once something can take them.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from search import outbox, rebuild
from search.backends import get_backend
from search.backends.elasticsearch import (
    BREAKER_KEY,
    ElasticsearchSearchBackend,
    ElasticsearchUnavailable,
)
from search.models import OutboxEntry, RebuildState
from tests.kb.factories import make_article
from tests.search.es_support import CLOSED_PORT_URL
from tests.search.factories import api_search, api_suggest, ids, make_topic

RESULT_KEYS = {"id", "kind", "title", "url", "language", "snippet", "solved", "score", "translations"}
RECORDED_KEY = "search-tests:es-recorded-bulk"


@pytest.fixture
def content(kb_indexes, public_forum, sync):
    """Content indexed while the site still ran on the embedded backend."""
    article = make_article(kb_indexes["en"], "Set up email on your phone", "email-phone",
                           summary="IMAP and SMTP settings for iPhone and Android.", tags=("email",))
    topic = make_topic(public_forum, "Email stopped arriving after DNS change",
                       "Since I moved my DNS yesterday no email arrives.",
                       replies=["Your MX records still point to the old host."], accept=0)
    sync()
    return article, topic


@pytest.fixture
def cluster_down(settings, content):
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = CLOSED_PORT_URL
    settings.ELASTICSEARCH_INDEX_PREFIX = "hc-outage-test"
    return content


def test_search_answers_from_the_embedded_index_with_a_notice(client, cluster_down):
    article, topic = cluster_down
    response = client.get(reverse("search_api:search"), {"q": "email", "lang": "en"})
    assert response.status_code == 200
    payload = response.json()
    assert set(payload) == {"query", "total", "results", "notice"}  # additive: documented keys unchanged
    assert "reduced mode" in payload["notice"]
    assert payload["total"] == 2
    assert set(ids(payload)) == {f"kb:{article.pk}", f"topic:{topic.pk}"}
    for result in payload["results"]:
        assert set(result) == RESULT_KEYS
    snippets = " ".join(r["snippet"] for r in payload["results"])
    assert "<mark>" in snippets.lower() or "<mark>email" in snippets.lower()


def test_suggest_and_filters_work_from_the_fallback(client, cluster_down):
    article, topic = cluster_down
    suggested = api_suggest(client, "ema", lang="en")
    assert f"kb:{article.pk}" in ids(suggested)
    assert suggested["notice"]
    assert ids(api_search(client, "email", kind="topic")) == [f"topic:{topic.pk}"]


def test_the_search_page_shows_the_notice(client, cluster_down):
    response = client.get("/en/search/", {"q": "email"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "search-notice" in html and "reduced mode" in html
    assert "on your phone" in html  # the title (with <mark>ed query words)


def test_the_first_failure_opens_the_shared_circuit_breaker(client, cluster_down):
    assert cache.get(BREAKER_KEY) is None
    api_search(client, "email")
    state = cache.get(BREAKER_KEY)
    assert state is not None and "ConnectionError" in state["error"]
    # While it is open, searches go straight to the fallback (still with the notice).
    assert "notice" in api_search(client, "dns")


def test_nothing_is_slow_or_broken_for_garbage_input_during_an_outage(client, cluster_down):
    for q in ['"unbalanced', "NEAR(a b", "-", "AND OR NOT", "x" * 10_000, "\x00\x07", "' OR 1=1 --"]:
        response = client.get(reverse("search_api:search"), {"q": q})
        assert response.status_code == 200, q


def test_changes_during_the_outage_reach_the_fallback_and_stay_queued_for_elasticsearch(
        client, cluster_down, public_forum, kb_indexes):
    _article, topic = cluster_down
    new_topic = make_topic(public_forum, "Webmail login loops back to the sign-in page",
                           "After entering my password webmail shows the login form again.")
    topic.subject = "Email bounces after moving DNS"
    topic.save()
    article_rows = OutboxEntry.objects.count()
    assert article_rows >= 2
    report = outbox.drain()
    assert report.failed and not report.applied
    assert set(report.failed) >= {f"topic:{new_topic.pk}", f"topic:{topic.pk}"}
    rows = list(OutboxEntry.objects.all())
    assert rows, "rows for Elasticsearch must be kept"
    assert all(row.attempts >= 1 and row.last_error.startswith("ElasticsearchUnavailable") for row in rows)
    # The embedded fallback has the changes already: readers find them during the outage.
    payload = api_search(client, "webmail login")
    assert ids(payload)[0] == f"topic:{new_topic.pk}"
    assert "notice" in payload
    assert ids(api_search(client, "bounces"))[0] == f"topic:{topic.pk}"
    # Draining again while down loses nothing.
    outbox.drain()
    assert OutboxEntry.objects.filter(doc_id=f"topic:{new_topic.pk}").exists()


def test_health_and_search_status_report_the_outage_and_the_backlog(cluster_down, public_forum):
    make_topic(public_forum, "FTP upload fails", "Passive mode times out.")
    outbox.drain()
    backend = get_backend()
    health = backend.health()
    assert not health.ok
    assert "unavailable" in health.detail and "embedded index" in health.detail
    out = StringIO()
    call_command("search_status", stdout=out)
    text = out.getvalue()
    assert "Backend: elasticsearch" in text and "UNAVAILABLE" in text
    assert "Circuit breaker OPEN" in text
    assert "outbox rows wait for the cluster" in text
    assert "Fallback (embedded) index: 3 documents" in text
    assert "Outbox: " in text and "failing" in text


def test_a_rebuild_during_an_outage_fails_cleanly_and_changes_nothing(cluster_down):
    with pytest.raises(ElasticsearchUnavailable, match=r"unreachable|failed during the rebuild|127\.0\.0\.1:9"):
        call_command("search_reindex", stdout=StringIO())
    state = RebuildState.objects.filter(backend="elasticsearch").first()
    assert state is None or not state.running
    fresh, reason = rebuild.is_fresh(get_backend())
    assert not fresh and reason


def test_rows_kept_during_the_outage_replay_on_the_embedded_backend(client, cluster_down, public_forum, settings):
    """The issue's fallback check: switched back to the embedded backend (as a host would), the
    worker applies everything that was queued."""
    _article, topic = cluster_down
    new_topic = make_topic(public_forum, "SSL certificate renewal failed", "Let's Encrypt renewal shows an error.")
    topic.delete()
    outbox.drain()
    assert OutboxEntry.objects.exists()
    settings.SEARCH_BACKEND = "database"
    assert not outbox.process().applied  # the rows wait for their back-off...
    with time_machine.travel(timezone.now() + timedelta(hours=2)):  # ...which the worker outlives
        report = outbox.drain()
    assert not report.failed and report.applied
    assert not OutboxEntry.objects.exists()
    assert ids(api_search(client, "certificate renewal")) == [f"topic:{new_topic.pk}"]
    assert f"topic:{topic.pk}" not in ids(api_search(client, "email"))


class RecordingElasticsearchBackend(ElasticsearchSearchBackend):
    """Stands in for the cluster coming back, for the outbox side only: the one method that sends a
    bulk request records it (in the shared cache) instead, and the health probe says "alive".
    Everything else (outbox, fallback, documents, the bulk operations themselves) is the real code.
    This proves replay order and non-loss; it proves nothing about Elasticsearch itself."""

    def cluster_alive(self) -> bool:
        return True

    def _live_targets(self) -> list[str]:
        return ["recorded-live-index"]

    def _bulk(self, operations, timeout, refresh):
        cache.set(RECORDED_KEY, (cache.get(RECORDED_KEY) or []) + operations, timeout=None)


def test_deferred_rows_replay_oldest_first_and_none_is_lost_when_the_cluster_is_back(
        cluster_down, public_forum, kb_indexes, settings):
    settings.SEARCH_OUTBOX_BACKOFF = (3600, 3600)
    article, topic = cluster_down
    first = make_topic(public_forum, "Backup restore stuck at 90 percent", "The restore never finishes.")
    second_article = make_article(kb_indexes["en"], "Restore a backup", "restore-backup")
    topic.subject = "Email bounces after moving DNS"
    topic.save()
    article.delete()
    expected_order = list(dict.fromkeys(OutboxEntry.objects.order_by("id").values_list("doc_id", flat=True)))
    assert set(expected_order) >= {f"topic:{first.pk}", f"kb:{second_article.pk}", f"topic:{topic.pk}",
                                   f"kb:{article.pk}"}
    outbox.drain()  # the cluster is down: every row fails and waits for its back-off
    assert set(OutboxEntry.objects.values_list("doc_id", flat=True)) == set(expected_order)
    assert not outbox.process().applied  # nothing is due yet

    settings.SEARCH_BACKEND = "tests.search.test_elasticsearch_outage.RecordingElasticsearchBackend"
    replayed: list[str] = []
    # The worker checks the cluster at most every ELASTICSEARCH_RETRY_SECONDS (15 s); an hour of
    # back-off is left on the rows, so only "the cluster is back" can make them due now.
    with time_machine.travel(timezone.now() + timedelta(seconds=20)):
        assert OutboxEntry.objects.filter(next_attempt_at__lte=timezone.now()).count() == 0
        while True:
            report = outbox.process(batch_size=1)  # the first call sees the cluster back: rows due now
            if not report.applied:
                break
            replayed += report.applied
    assert replayed == expected_order  # oldest first
    assert not OutboxEntry.objects.exists()  # none lost, none left
    operations = cache.get(RECORDED_KEY)
    actions = [(next(iter(op)), op[next(iter(op))]["_id"]) for op in operations if set(op) <= {"index", "delete"}]
    assert ("delete", f"kb:{article.pk}") in actions
    assert ("index", f"topic:{first.pk}") in actions and ("index", f"kb:{second_article.pk}") in actions
    sources = [op for op in operations if "doc_id" in op]
    edited = [src for src in sources if src["doc_id"] == f"topic:{topic.pk}"]
    assert edited and edited[-1]["title"] == "Email bounces after moving DNS"  # the current state
    assert cache.get(BREAKER_KEY) is None  # the breaker was reset when the cluster came back

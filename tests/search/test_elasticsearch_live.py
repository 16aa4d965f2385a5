"""Elasticsearch-only behaviour against a live cluster: capability detection, the analysis chains as
the cluster applies them, rebuild with an atomic alias swap, and live updates during a rebuild.

Skipped unless ELASTICSEARCH_URL is set (no cluster could be installed where this was written, so
these tests have never run: see docs/elasticsearch.md, "Verification status"). Use a throwaway
cluster: each test creates and deletes its own `hc-test-<random>-*` indexes. The shared behaviour
suite (test_behaviour.py) covers search results, ranking, permissions and freshness on it too.
"""

from __future__ import annotations

import logging

import pytest

from search import outbox, rebuild
from search.analysis import tokenize
from search.backends import get_backend
from search.backends.es_mapping import prepare_text
from tests.kb.factories import make_article
from tests.search.es_support import SKIP_REASON, cluster_url, isolate_elasticsearch
from tests.search.factories import api_search, ids, make_topic

pytestmark = [pytest.mark.django_db, pytest.mark.skipif(not cluster_url(), reason=SKIP_REASON)]


@pytest.fixture
def es(request, settings):
    settings.SEARCH_BACKEND = "elasticsearch"
    isolate_elasticsearch(request, settings)
    return get_backend()


@pytest.fixture
def built(es):
    """An empty live index built by a rebuild (so its analyzers can be asked directly)."""
    rebuild.rebuild(es)
    return es


def analyze(backend, analyzer: str, text: str) -> list[str]:
    response = backend.client().indices.analyze(index=backend.live_index(), analyzer=analyzer, text=text)
    return [token["token"] for token in response["tokens"]]


def test_startup_finds_the_version_and_logs_what_it_will_use(es, caplog):
    with caplog.at_level(logging.INFO, logger="search.backends.elasticsearch"):
        caps = es.capabilities(refresh=True)
    assert caps.version.split(".")[0] == "8"
    assert "using Elasticsearch at" in caplog.text
    assert ("ICU tokenizer" in caplog.text) == caps.icu


def test_folding_handles_turkish_i_and_latin_accents_but_keeps_devanagari_marks(built):
    assert analyze(built, "hc_folded", "CANLI canlı canli") == ["canli", "canli", "canli"]
    assert analyze(built, "hc_folded", "BİLGİ žinių bazė") == ["bilgi", "ziniu", "baze"]
    assert analyze(built, "hc_folded", "ग्राहक") == ["ग्राहक"]


def test_language_chains_conflate_inflections_like_the_embedded_analysis(built):
    en = analyze(built, "hc_en", "configuring configured customer's")
    assert en[0] == en[1] and en[2] == "custom"  # Porter2 stems; possessive removed
    lt = analyze(built, "hc_lt", "klientas klientų")
    assert lt[0] == lt[1]
    tr = analyze(built, "hc_tr", "BİLGİ bilgi CANLI canlı")
    assert tr[0] == tr[1] and tr[2] == tr[3]
    assert analyze(built, "hc_tr_prefix5", "sunucu sunucuya") == ["sunuc", "sunuc"]
    if built.capabilities().nepali_stemmer:
        ne = analyze(built, "hc_ne", "ग्राहकहरूको ग्राहक")
        assert ne[0] == ne[1]


def test_lao_words_are_the_ones_the_embedded_analysis_finds(built):
    sentence = "ການຕັ້ງຄ່າອີເມວຂອງທ່ານ"
    text, _joined = prepare_text(sentence, "lo")
    expected = [token.lower for token in tokenize(sentence, "lo")]
    assert analyze(built, "hc_lo", text) == expected


def test_searches_are_answered_by_the_cluster_without_a_notice(client, es, kb_indexes, sync):
    article = make_article(kb_indexes["en"], "Point your domain to our nameservers", "nameservers")
    sync()
    payload = api_search(client, "nameservers")
    assert ids(payload) == [f"kb:{article.pk}"]
    assert "notice" not in payload
    assert es.health().ok


def test_rebuild_swaps_the_alias_in_one_step_and_deletes_the_old_index(client, es, kb_indexes, sync):
    article = make_article(kb_indexes["en"], "Renew an SSL certificate", "renew-ssl")
    sync()  # first use: the initial live index
    first = es.live_index()
    assert first.endswith("-0-initial")
    rebuild.rebuild(es)
    second = es.live_index()
    assert second != first and second.startswith(f"{es.config.index_prefix}-1-")
    assert es.building_index() is None
    assert not es.client().indices.exists(index=first)
    assert ids(api_search(client, "certificate")) == [f"kb:{article.pk}"]
    rebuild.rebuild(es, restart=True)
    assert es.live_index().startswith(f"{es.config.index_prefix}-2-")
    assert not es.client().indices.exists(index=second)


def test_an_interrupted_rebuild_leaves_the_live_index_serving_and_resumes(
        client, es, kb_indexes, public_forum, sync, settings):
    old_articles = [make_article(kb_indexes["en"], f"Mailbox quota {n}", f"quota-{n}") for n in range(4)]
    sync()
    rebuild.rebuild(es)
    live = es.live_index()
    partial = rebuild.rebuild(es, restart=True, batch_size=2, stop_after=2)  # "crash" after one batch
    assert partial.phase != "done"
    assert es.live_index() == live  # the live alias was not touched
    building = es.building_index()
    assert building and building != live
    assert {f"kb:{a.pk}" for a in old_articles} <= set(ids(api_search(client, "quota", limit=50)))
    # A change during the rebuild reaches both the live index and the one being built.
    topic = make_topic(public_forum, "Quota warning email every hour", "The quota warning repeats.")
    sync()
    assert f"topic:{topic.pk}" in ids(api_search(client, "quota", limit=50))
    assert es.client().get(index=building, id=f"topic:{topic.pk}")["found"]
    result = rebuild.rebuild(es)  # resumes into the same building index
    assert result.resumed and result.phase == "done"
    assert es.live_index() == building
    assert not es.client().indices.exists(index=live)
    assert f"topic:{topic.pk}" in ids(api_search(client, "quota", limit=50))


def test_restart_deletes_the_abandoned_building_index(es, kb_indexes, sync):
    make_article(kb_indexes["en"], "Abandoned rebuild", "abandoned")
    sync()
    rebuild.rebuild(es, batch_size=1, stop_after=0)
    abandoned = es.building_index()
    assert abandoned
    rebuild.rebuild(es, restart=True)
    assert not es.client().indices.exists(index=abandoned)
    assert es.building_index() is None


def test_documents_failing_during_a_rebuild_are_queued_and_applied_later(client, es, kb_indexes, sync, settings):
    from tests.search.conftest import FAILING_BACKENDS
    from tests.search.failing_backend import fail_indexing, stop_failing

    settings.SEARCH_BACKEND = FAILING_BACKENDS["elasticsearch"]
    backend = get_backend()
    good = make_article(kb_indexes["en"], "Nightly backups", "nightly-backups")
    bad = make_article(kb_indexes["en"], "Weekly backups", "weekly-backups")
    sync()
    fail_indexing(f"kb:{bad.pk}")
    result = rebuild.rebuild(backend, restart=True)
    assert result.phase == "done" and f"kb:{bad.pk}" in result.failed
    assert ids(api_search(client, "backups")) == [f"kb:{good.pk}"]
    stop_failing()
    settings.SEARCH_OUTBOX_BACKOFF = (0, 0)
    assert not outbox.drain().failed
    assert set(ids(api_search(client, "backups"))) == {f"kb:{good.pk}", f"kb:{bad.pk}"}

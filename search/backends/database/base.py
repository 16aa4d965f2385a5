"""The embedded search backend: the site's own database is the search engine.

- SQLite: an FTS5 virtual table `search_fts(title, keywords, body, title_stems, body_stems)` (and a
  small `search_fts_title` with the title fields only) whose rowid is the
  `search_document` row id, with the `ascii` tokenizer over our pre-analysed terms (every term is
  one token: letters, digits, marks and the `_` of language-marked stems) and prefix indexes for
  suggest; ranking uses FTS5's `bm25()` with per-column weights.
- PostgreSQL: `search_document.tsv` (tsvector of the document's distinct terms, GIN-indexed) finds
  candidates; BM25 is computed in SQL with the same formula as FTS5 from per-document term
  frequencies (`tf` jsonb: term -> [title, keywords, body] counts), document frequencies kept in
  `search_term` (also used to expand suggest prefixes) and corpus size/length in `search_pg_stats`.
  ts_rank/ts_rank_cd have no inverse document frequency, which ruins ranking of free-text questions;
  computing BM25 keeps ranking identical on both databases.

On both, the final score is BM25 multiplied by boosts read from `SEARCH_RANKING` at query time
(see search/conf.py): KB article, solved topic, helpful votes / helpfulness, reader's language,
freshness, and a penalty for a thread promoted into an article. Nothing from the user's text reaches
SQL except as bound parameters, and MATCH / tsquery expressions are assembled only from analysed
terms (letters, digits, marks and `_`), never from raw input.
"""

from __future__ import annotations

import functools
import json
import math
from collections import Counter
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction

from search import conf
from search.analysis import AnalyzedQuery, QueryGroup, document_terms, document_terms_split
from search.backends.base import (
    BaseSearchBackend,
    Health,
    SearchHit,
    SearchQuery,
    SearchResults,
)
from search.documents import ARTICLE, SearchDocument
from search.highlight import SNIPPET_CHARS, SUGGEST_SNIPPET_CHARS
from search.models import IndexedDocument, IndexedText

# Surface forms (exact and folded words) and stems go to separate columns so exact words can weigh
# more than words that only share a stem (SEARCH_RANKING["stem_weight"]).
FIELDS = ("title", "keywords", "body", "title_stems", "body_stems")
K1 = 1.2
B = 0.75
LANGUAGE_COUNTS_KEY = "search:documents-per-language"
DF_KEY = "search:df:"
DF_TTL = 300

TITLE_FIELDS = ("title", "keywords", "title_stems")
# The FTS5 tables and their columns. search_fts_title holds titles and tags alone: queries of only
# very common words rank within titles (see _plan), which a small index answers quickly where
# column filters on search_fts could not.
FTS_TABLES = {"search_fts": FIELDS, "search_fts_title": TITLE_FIELDS}
BUILD_SUFFIX = "_build"  # a rebuild writes fresh tables under this suffix, then swaps them in


def _fts_ddl(table: str, fields: tuple[str, ...]) -> str:
    return (f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5({', '.join(fields)}, "
            "tokenize = \"ascii tokenchars '_'\", prefix = '2 3')")


SQLITE_SCHEMA = [
    _fts_ddl("search_fts", FIELDS),
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts_vocab USING fts5vocab(search_fts, 'row')",
    _fts_ddl("search_fts_title", TITLE_FIELDS),
]
SQLITE_DROP = [
    "DROP TABLE IF EXISTS search_fts_title",
    "DROP TABLE IF EXISTS search_fts_vocab",
    "DROP TABLE IF EXISTS search_fts",
    "DROP TABLE IF EXISTS search_fts_build",
    "DROP TABLE IF EXISTS search_fts_title_build",
]
# Set while this process runs a rebuild: its batches go to the _build tables only.
_rebuilding: ContextVar[bool] = ContextVar("search_rebuilding", default=False)
POSTGRES_SCHEMA = [
    "ALTER TABLE search_document ADD COLUMN IF NOT EXISTS tsv tsvector",
    "ALTER TABLE search_document ADD COLUMN IF NOT EXISTS tf jsonb",
    "CREATE INDEX IF NOT EXISTS search_document_tsv ON search_document USING gin (tsv)",
    'CREATE TABLE IF NOT EXISTS search_term (term text COLLATE "C" PRIMARY KEY, df integer NOT NULL)',
    ("CREATE TABLE IF NOT EXISTS search_pg_stats (id integer PRIMARY KEY, doc_count bigint NOT NULL, "
    "total_length bigint NOT NULL)"),
    "INSERT INTO search_pg_stats (id, doc_count, total_length) VALUES (1, 0, 0) ON CONFLICT DO NOTHING",
]
POSTGRES_DROP = [
    "DROP TABLE IF EXISTS search_pg_stats",
    "DROP TABLE IF EXISTS search_term",
    "DROP INDEX IF EXISTS search_document_tsv",
    "ALTER TABLE search_document DROP COLUMN IF EXISTS tf",
    "ALTER TABLE search_document DROP COLUMN IF EXISTS tsv",
]


def create_schema(schema_editor) -> None:
    """Called by search's migration: the term index for whichever database this is."""
    vendor = schema_editor.connection.vendor
    statements = SQLITE_SCHEMA if vendor == "sqlite" else POSTGRES_SCHEMA if vendor == "postgresql" else []
    for statement in statements:
        schema_editor.execute(statement)


def drop_schema(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    statements = SQLITE_DROP if vendor == "sqlite" else POSTGRES_DROP if vendor == "postgresql" else []
    for statement in statements:
        schema_editor.execute(statement)


@dataclass
class AnalyzedDocument:
    doc: SearchDocument
    fields: dict[str, list[str]]  # field -> terms in order

    @property
    def length(self) -> int:
        return sum(len(terms) for terms in self.fields.values())


def analyze_document(doc: SearchDocument) -> AnalyzedDocument:
    title, title_stems = document_terms_split(doc.title, doc.language)
    body, body_stems = document_terms_split(doc.body, doc.language)
    return AnalyzedDocument(
        doc,
        {
            "title": title,
            "keywords": document_terms(doc.keywords, doc.language) if doc.keywords else [],
            "body": body,
            "title_stems": title_stems,
            "body_stems": body_stems,
        },
    )


def field_weights() -> list[float]:
    """BM25 weights in FIELDS order, from SEARCH_RANKING."""
    r = conf.ranking()
    return [
        r["title_weight"], r["keywords_weight"], r["body_weight"],
        r["title_weight"] * r["stem_weight"], r["body_weight"] * r["stem_weight"],
    ]


def fts_table(plan: Plan) -> tuple[str, list[float]]:
    """The FTS5 table a plan runs on, with its BM25 column weights."""
    if plan.title_only:
        r = conf.ranking()
        return "search_fts_title", [r["title_weight"], r["keywords_weight"], r["title_weight"] * r["stem_weight"]]
    return "search_fts", field_weights()


@dataclass
class Plan:
    """Which query groups take part in matching, and how they combine."""

    groups: tuple[QueryGroup, ...]
    operator: str  # "OR": any word; "AND": every word; "PAIRS": at least two of the words
    exclude: tuple[QueryGroup, ...] = ()  # leave out documents matching all of these
    title_only: bool = False  # match in titles and tags only (SQLite: search_fts_title; see _plan)
    fallback: bool = False  # if a title-only plan finds nothing, match everywhere after all
    cap: int = 0  # rank only the `cap` most recently indexed matches (huge match sets; see _plan)


@dataclass
class Corpus:
    groups: tuple[QueryGroup, ...]  # the query's matching groups (PG: prefixes expanded)
    frequencies: dict[str, int]  # term -> number of documents holding it
    doc_count: int
    avgdl: float  # average document length in terms (PG only; FTS5 knows its own)
    partition: int = 0  # documents in the reader's language (see _partition_size)


class DatabaseSearchBackend(BaseSearchBackend):
    name = "database"

    @property
    def vendor(self) -> str:
        return connection.vendor

    # --- writing -----------------------------------------------------------------------------

    def index(self, docs: Iterable[SearchDocument], generation: int | None = None) -> int:
        unique = {doc.id: doc for doc in docs}
        if not unique:
            return 0
        if generation is None:
            generation = self.current_generation()
        analysed = [analyze_document(doc) for doc in unique.values()]
        with transaction.atomic():
            rows = [self._row(item, generation) for item in analysed]
            IndexedDocument.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["doc_id"],
                update_fields=[f.name for f in IndexedDocument._meta.concrete_fields if f.name not in ("id", "doc_id")],
            )
            ids = dict(IndexedDocument.objects.filter(doc_id__in=list(unique)).values_list("doc_id", "id"))
            IndexedText.objects.bulk_create(
                [IndexedText(document_id=ids[item.doc.id], body=item.doc.body) for item in analysed],
                update_conflicts=True,
                unique_fields=["document"],
                update_fields=["body"],
            )
            pairs = [(ids[item.doc.id], item) for item in analysed]
            if self.vendor == "postgresql":
                self._pg_write(pairs)
            else:
                self._sqlite_write(pairs)
        return len(analysed)

    def _row(self, item: AnalyzedDocument, generation: int) -> IndexedDocument:
        doc = item.doc
        return IndexedDocument(
            doc_id=doc.id,
            kind=doc.kind,
            object_id=doc.object_id,
            language=doc.language,
            title=doc.title,
            url=doc.url,
            forum_id=doc.forum_id,
            solved=doc.solved,
            votes=doc.votes,
            helpful_ratio=doc.helpful_ratio,
            views=doc.views,
            promoted_to=doc.promoted_to,
            updated_at=doc.updated_at,
            generation=generation,
            length=item.length,
        )

    @staticmethod
    def _sqlite_targets(cursor) -> list[tuple[str, tuple[str, ...]]]:
        """The FTS5 tables a write goes to. While a rebuild builds fresh tables, its own batches go
        there only; other writes (the worker, the site) go to both, so the swap loses nothing."""
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [f"search_fts{BUILD_SUFFIX}"])
        building = cursor.fetchone() is not None
        live = list(FTS_TABLES.items())
        build = [(table + BUILD_SUFFIX, fields) for table, fields in FTS_TABLES.items()]
        if building and _rebuilding.get():
            return build
        return live + build if building else live

    def _sqlite_write(self, pairs: list[tuple[int, AnalyzedDocument]]) -> None:
        with connection.cursor() as cursor:
            for table, fields in self._sqlite_targets(cursor):
                cursor.executemany(f"DELETE FROM {table} WHERE rowid = %s", [(pk,) for pk, _ in pairs])
                cursor.executemany(
                    f"INSERT INTO {table} (rowid, {', '.join(fields)}) VALUES (%s{', %s' * len(fields)})",
                    [(pk, *(" ".join(item.fields[f]) for f in fields)) for pk, item in pairs],
                )

    def _pg_write(self, pairs: list[tuple[int, AnalyzedDocument]]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, tf, length FROM search_document WHERE id = ANY(%s) AND tf IS NOT NULL",
                [[pk for pk, _ in pairs]],
            )
            old = {pk: (tf, length) for pk, tf, length in cursor.fetchall()}
            df_delta: Counter[str] = Counter()
            new_docs = length_delta = 0
            updates = []
            for pk, item in pairs:
                counts: dict[str, list[int]] = {}
                for position, field_name in enumerate(FIELDS):
                    for term in item.fields[field_name]:
                        counts.setdefault(term, [0] * len(FIELDS))[position] += 1
                previous = old.get(pk)
                old_terms = set(_json(previous[0])) if previous else set()
                for term in counts.keys() - old_terms:
                    df_delta[term] += 1
                for term in old_terms - counts.keys():
                    df_delta[term] -= 1
                if previous is None:
                    new_docs += 1
                else:
                    length_delta -= previous[1]
                length_delta += item.length
                updates.append((list(counts), json.dumps(counts, ensure_ascii=False), pk))
            cursor.executemany(
                "UPDATE search_document SET tsv = array_to_tsvector(%s::text[]), tf = %s::jsonb WHERE id = %s",
                updates,
            )
            self._pg_apply_deltas(cursor, df_delta, new_docs, length_delta)

    def _pg_apply_deltas(self, cursor, df_delta: Counter[str], doc_delta: int, length_delta: int) -> None:
        changed = sorted(term for term, delta in df_delta.items() if delta)
        if changed:
            cursor.execute(
                "INSERT INTO search_term (term, df) SELECT t, d FROM unnest(%s::text[], %s::int[]) AS u(t, d) "
                "ORDER BY t ON CONFLICT (term) DO UPDATE SET df = search_term.df + EXCLUDED.df",
                [changed, [df_delta[t] for t in changed]],
            )
            shrunk = [t for t in changed if df_delta[t] < 0]
            if shrunk:
                cursor.execute("DELETE FROM search_term WHERE term = ANY(%s) AND df <= 0", [shrunk])
        if doc_delta or length_delta:
            cursor.execute(
                "UPDATE search_pg_stats SET doc_count = doc_count + %s, total_length = total_length + %s "
                "WHERE id = 1",
                [doc_delta, length_delta],
            )

    def delete(self, doc_ids: Iterable[str]) -> int:
        doc_ids = list(doc_ids)
        if not doc_ids:
            return 0
        with transaction.atomic():
            pks = list(IndexedDocument.objects.filter(doc_id__in=doc_ids).values_list("id", flat=True))
            if not pks:
                return 0
            self._delete_terms(pks)
            IndexedDocument.objects.filter(id__in=pks).delete()
        return len(pks)

    def _delete_terms(self, pks: list[int]) -> None:
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(
                    "SELECT tf, length FROM search_document WHERE id = ANY(%s) AND tf IS NOT NULL FOR UPDATE",
                    [pks],
                )
                df_delta: Counter[str] = Counter()
                docs = length = 0
                for tf, doc_length in cursor.fetchall():
                    df_delta.update({term: -1 for term in _json(tf)})
                    docs -= 1
                    length -= doc_length
                self._pg_apply_deltas(cursor, df_delta, docs, length)
            else:
                for table, _fields in self._sqlite_targets(cursor):
                    cursor.executemany(f"DELETE FROM {table} WHERE rowid = %s", [(pk,) for pk in pks])

    def rebuild(self, *args, **kwargs):
        token = _rebuilding.set(True)
        try:
            return super().rebuild(*args, **kwargs)
        finally:
            _rebuilding.reset(token)

    def begin_rebuild(self, generation: int) -> None:
        """SQLite: build into fresh FTS5 tables (writing over the live ones would make FTS5 read
        and re-tokenise every old row to delete it, halving throughput); searches keep using the
        live tables until finish_rebuild swaps them in. PostgreSQL rewrites rows in place."""
        if self.vendor != "sqlite":
            return
        with connection.cursor() as cursor:
            for table, fields in FTS_TABLES.items():
                cursor.execute(f"DROP TABLE IF EXISTS {table}{BUILD_SUFFIX}")
                cursor.execute(_fts_ddl(table + BUILD_SUFFIX, fields))

    def finish_rebuild(self, generation: int) -> None:
        """Drop documents the rebuild did not write (their source is gone), swap the freshly built
        tables in (SQLite), and recount the PG statistics from scratch so any drift is repaired."""
        stale = list(
            IndexedDocument.objects.filter(generation__lt=generation).values_list("doc_id", flat=True)
        )
        for start in range(0, len(stale), 500):
            self.delete(stale[start:start + 500])
        if self.vendor == "postgresql":
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("DELETE FROM search_term")
                cursor.execute(
                    "INSERT INTO search_term (term, df) SELECT key, count(*) FROM search_document, "
                    "jsonb_object_keys(tf) AS key WHERE tf IS NOT NULL GROUP BY key"
                )
                cursor.execute(
                    "UPDATE search_pg_stats SET doc_count = s.n, total_length = s.total FROM "
                    "(SELECT count(*) AS n, COALESCE(sum(length), 0) AS total FROM search_document "
                    "WHERE tf IS NOT NULL) AS s WHERE id = 1"
                )
        else:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [f"search_fts{BUILD_SUFFIX}"])
                if cursor.fetchone() is not None:
                    for table in FTS_TABLES:
                        cursor.execute(f"DROP TABLE {table}")
                        cursor.execute(f"ALTER TABLE {table}{BUILD_SUFFIX} RENAME TO {table}")
            with connection.cursor() as cursor:
                for table in FTS_TABLES:
                    cursor.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")

    def maintain(self) -> None:
        """SQLite: merge FTS5 segments a little (incremental updates leave many small segments,
        and every query visits each one). Bounded work per call; PostgreSQL's autovacuum does
        the equivalent for GIN."""
        if self.vendor == "sqlite":
            with connection.cursor() as cursor:
                for table in FTS_TABLES:
                    cursor.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('merge', 500)")

    # --- reading -----------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResults:
        return self._run(query, suggest=False)

    def suggest(self, query: SearchQuery) -> SearchResults:
        return self._run(query, suggest=True)

    def _run(self, query: SearchQuery, suggest: bool) -> SearchResults:
        """Plan, rank, decorate.

        Suggest (and search with `and_first`) lists documents holding every query word first and
        fills up with the best partial matches: as-you-type suggestions must be precise, while a
        rephrased question still finds its answer through the partial matches.
        """
        analyzed = query.analyzed(prefix_last=suggest)
        if analyzed.is_empty or query.limit <= 0:
            return SearchResults(query=query.text, total=0, hits=[])
        with connection.cursor() as cursor:
            corpus = self._corpus(cursor, analyzed)
            corpus.partition = self._partition_size(cursor, query.language, corpus.doc_count)
            plan = self._plan(corpus)
            if plan is None:
                return SearchResults(query=query.text, total=0, hits=[])
            ranking = conf.ranking()
            and_first = suggest or bool(ranking["and_first"])
            # Suggest re-scores a short window and doesn't count all matches: it runs per keystroke.
            window = min(int(ranking["rerank_window"]), 3 * query.limit) if suggest else int(ranking["rerank_window"])
            if suggest and plan.cap:
                plan.cap = min(plan.cap, int(ranking["suggest_candidates"]))
            page = functools.partial(self._page, cursor, query, corpus=corpus, analyzed=analyzed, window=window,
                                     count=not suggest)
            if and_first and plan.operator in ("OR", "PAIRS") and len(plan.groups) > 1:
                rows, strict_total = page(Plan(plan.groups, "AND", cap=plan.cap), limit=query.limit, offset=query.offset)
                rest, loose_total = page(
                    Plan(plan.groups, plan.operator, exclude=plan.groups, title_only=plan.title_only, cap=plan.cap),
                    limit=query.limit - len(rows), offset=max(0, query.offset - strict_total),
                )
                rows, total = rows + rest, strict_total + loose_total
            else:
                rows, total = page(plan, limit=query.limit, offset=query.offset)
                if not total and plan.title_only and plan.fallback:
                    plan = Plan(plan.groups, plan.operator, cap=plan.cap)
                    rows, total = page(plan, limit=query.limit, offset=query.offset)
            facets = self._facets(cursor, query, plan) if query.facets else {}
        hits = self._hits(rows, analyzed, query.language, SUGGEST_SNIPPET_CHARS if suggest else SNIPPET_CHARS)
        # Suggest's total is the number of suggestions (counting every match costs too much per key).
        return SearchResults(query=query.text, total=len(hits) if suggest else total, hits=hits, facets=facets)

    def _page(self, cursor, query: SearchQuery, plan: Plan, *, corpus: Corpus, analyzed: AnalyzedQuery,
              window: int, count: bool, limit: int, offset: int):
        """One page of ranked rows. The best `window` rows are re-scored by how many query words
        their title holds (see BaseSearchBackend.rerank); pages beyond the window keep the database
        order, which is the same set of rows, so paging never repeats or skips a row."""
        if limit <= 0 and not count:
            return [], 0
        if limit <= 0 or not window or offset >= window:
            return self._rank(cursor, query, plan, corpus, limit, offset, count)
        rows, total = self._rank(cursor, query, plan, corpus, window, 0, count)
        titles = {}
        if rows:
            cursor.execute(
                f"SELECT id, title, language FROM search_document WHERE id IN ({', '.join(['%s'] * len(rows))})",
                [pk for pk, _ in rows],
            )
            titles = {pk: (title, language) for pk, title, language in cursor.fetchall()}
        matched = None
        if count and rows and conf.ranking()["document_coverage_boost"]:
            matched = self._matched_groups(cursor, [pk for pk, _ in rows], corpus.groups)
        rows = self.rerank(rows, titles, analyzed, matched)
        page = rows[offset:offset + limit]
        if offset + limit > window and total > window:
            more, _total = self._rank(cursor, query, plan, corpus, offset + limit - window, window, count)
            page += more
        return page, total

    def _matched_groups(self, cursor, ids: list[int], groups: tuple[QueryGroup, ...]) -> dict[int, int]:
        """How many of the query's words each of the rows `ids` holds, in any field, for the rerank
        window only. PostgreSQL reads those rows' `tf` keys; FTS5 walks each word's posting list
        over the rows' rowid range without scoring, cheaper than the ranking query's own walk."""
        groups = tuple(g for g in groups if g.terms or g.prefixes)
        if not groups:
            return {}
        if self.vendor == "postgresql":
            placeholders = ", ".join(["%s"] * len(ids))
            # Prefixes were expanded into terms by _pg_expand.
            pairs = [(term, index) for index, group in enumerate(groups) for term in group.terms]
            cursor.execute(
                "SELECT d.id, count(DISTINCT g.i) FROM search_document d "
                "JOIN unnest(%s::text[], %s::int[]) AS g(term, i) ON jsonb_exists(d.tf, g.term) "
                f"WHERE d.id IN ({placeholders}) GROUP BY d.id",
                [[t for t, _ in pairs], [i for _, i in pairs], *ids],
            )
            return dict(cursor.fetchall())
        # One walk of each word's posting list over the rows' rowid range: FTS5 uses a MATCH with a
        # rowid range, but not a MATCH with a list of rowids, which re-runs the MATCH per rowid.
        counts: Counter[int] = Counter()
        wanted = set(ids)
        for group in groups:
            cursor.execute(
                "SELECT rowid FROM search_fts WHERE search_fts MATCH %s AND rowid >= %s AND rowid <= %s",
                [_fts5_group(group), min(ids), max(ids)],
            )
            counts.update(pk for (pk,) in cursor.fetchall() if pk in wanted)
        return dict(counts)

    def _partition_size(self, cursor, language: str | None, doc_count: int) -> int:
        """Documents in the reader's language, the yardstick for "common word": an index in six
        languages holds each word in at most a sixth of its documents, however common it is in its
        own language. The whole index when that language has few documents."""
        if not language or doc_count < conf.ranking()["common_word_min_docs"]:
            return doc_count
        in_language = self._language_counts(cursor).get(language, 0)
        return in_language if in_language * 10 >= doc_count else doc_count

    @staticmethod
    def _language_counts(cursor) -> dict[str, int]:
        """Documents per language, for query planning only (BM25 uses exact counts). Counting a big
        index on every keystroke costs milliseconds, so the shared cache keeps it for 30 s."""
        counts = cache.get(LANGUAGE_COUNTS_KEY)
        if counts is None:
            cursor.execute("SELECT language, count(*) FROM search_document GROUP BY language")
            counts = dict(cursor.fetchall())
            cache.set(LANGUAGE_COUNTS_KEY, counts, timeout=30)
        return counts

    def _corpus(self, cursor, analyzed: AnalyzedQuery) -> Corpus:
        """Document count, average length and document frequencies of the query's terms."""
        groups = analyzed.matching_groups
        if self.vendor == "postgresql":
            cursor.execute("SELECT doc_count, total_length FROM search_pg_stats WHERE id = 1")
            doc_count, total_length = (int(v) for v in (cursor.fetchone() or (0, 0)))
            limit = int(conf.ranking()["prefix_expansions"])
            groups = tuple(self._pg_expand(cursor, group, limit) for group in groups)
            terms = sorted({term for group in groups for term in group.terms})
            cursor.execute("SELECT term, df FROM search_term WHERE term = ANY(%s)", [terms])
            frequencies = dict(cursor.fetchall())
            avgdl = (total_length / doc_count) if doc_count else 1.0
            # A prefix nothing in the index completes matches nothing, like an unknown word (an
            # empty alternative list would also make the tsquery invalid).
            present = tuple(g if g.terms else QueryGroup(g.word, (), (), g.stopword)
                            for g in _present_terms(groups, frequencies))
            return Corpus(present, frequencies, doc_count, avgdl)
        terms = sorted({term for group in groups for term in group.terms})
        # fts5vocab counts a word's documents by walking its whole posting list: milliseconds for
        # common words on every keystroke. Planning only needs an approximate count, so positive
        # counts are kept in the shared cache for a few minutes; absent words are always looked up
        # (a word indexed a second ago must match).
        cached = cache.get_many([DF_KEY + term for term in terms])
        frequencies = {key[len(DF_KEY):]: value for key, value in cached.items()}
        missing = [term for term in terms if term not in frequencies]
        found: dict[str, int] = {}
        for start in range(0, len(missing), 500):
            chunk = missing[start:start + 500]
            cursor.execute(
                f"SELECT term, doc FROM search_fts_vocab WHERE term IN ({', '.join(['%s'] * len(chunk))})", chunk
            )
            found.update(cursor.fetchall())
        if found:
            cache.set_many({DF_KEY + term: df for term, df in found.items()}, timeout=DF_TTL)
        frequencies.update(found)
        doc_count = sum(self._language_counts(cursor).values())
        return Corpus(_present_terms(groups, frequencies), frequencies, doc_count, 0.0)

    def _plan(self, corpus: Corpus) -> Plan | None:
        """How the query's words select candidates.

        Words absent from the index cannot match and are dropped. On big indexes, ranking every
        document that holds any query word would cost time proportional to the index, so:
        - words in more than `common_word_ratio` of the documents don't select (like Lucene's
          cutoff frequency), unless every word is that common (then all words must match);
        - when the remaining words could still match more than `max_candidates` documents, a
          document must hold at least two of the (four rarest) words, or, for a single word, hold it
          in its title or tags. Those are the documents that rank first anyway; `total` then counts
          what was matched this way.
        """
        settings = conf.ranking()
        present = tuple(g for g in corpus.groups if g.prefixes or g.terms)
        if not present:
            return None
        partition = corpus.partition or corpus.doc_count
        if partition < settings["common_word_min_docs"]:
            return Plan(present, "OR")  # a small index: rank every match

        def frequency(group: QueryGroup) -> int:
            return max((corpus.frequencies.get(t, 0) for t in group.terms), default=0)

        limit = settings["common_word_ratio"] * partition
        title_tier = self.vendor == "sqlite"  # FTS5 column filters; PostgreSQL's tsvector has none
        rare = tuple(g for g in present if g.prefixes or frequency(g) <= limit)
        lone_prefix = len(present) == 1 and bool(present[0].prefixes)
        if not rare or lone_prefix:
            # Only very common words (or one bare prefix): where they sit in a title is what says
            # anything; ranking every document holding them would cost time and tell nothing.
            plan = Plan(present, "AND", title_only=title_tier, fallback=True)
        elif not any(g.prefixes for g in rare) and sum(frequency(g) for g in rare) <= settings["max_candidates"]:
            return Plan(rare, "OR")
        elif any(g.prefixes for g in rare):
            plan = Plan(rare, "OR")  # a prefix may complete to any number of words: capped below
        elif len(rare) == 1:
            plan = Plan(rare, "OR", title_only=title_tier, fallback=True)
        else:
            plan = Plan(tuple(sorted(rare, key=frequency)[:4]), "PAIRS")
        # Words common enough to select this many documents carry little information: rank the most
        # recently indexed `max_candidates` of them (cost stays bounded; fresh documents first).
        known = [frequency(g) for g in plan.groups if not g.prefixes]
        estimate = min(known) if plan.operator == "AND" and known else sum(known)
        if (any(g.prefixes for g in plan.groups) and plan.operator != "AND") or not known or \
                estimate > settings["max_candidates"]:
            plan.cap = int(settings["max_candidates"])
        return plan

    def _boost_sql(self, language: str | None) -> tuple[str, list]:
        """The multiplicative boost as SQL over `d` (search_document), with its parameters."""
        r = conf.ranking()
        if self.vendor == "postgresql":
            age_days = "GREATEST(EXTRACT(EPOCH FROM (now() - d.updated_at)) / 86400.0, 0)"
        else:
            age_days = "max(julianday('now') - julianday(d.updated_at), 0)"
        sql = (
            "(CASE WHEN d.kind = %s THEN %s ELSE 1.0 END)"
            " * (CASE WHEN d.kind <> %s AND d.solved THEN %s ELSE 1.0 END)"
            " * (CASE WHEN d.kind <> %s THEN 1.0 + %s * d.votes / (d.votes + %s)"
            "    WHEN d.helpful_ratio IS NULL THEN 1.0"
            "    ELSE 1.0 + %s * (2.0 * d.helpful_ratio - 1.0) * d.votes / (d.votes + %s) END)"
            " * (CASE WHEN d.language = %s THEN %s ELSE 1.0 END)"
            " * (CASE WHEN d.promoted_to <> '' THEN %s ELSE 1.0 END)"
            f" * (1.0 + %s / (1.0 + {age_days} / %s))"
        )
        params = [
            ARTICLE, r["article_boost"],
            ARTICLE, r["solved_boost"],
            ARTICLE, r["votes_boost"], r["votes_half"],
            r["helpfulness_boost"], r["votes_half"],
            language or "", r["language_boost"],
            r["promoted_topic_factor"],
            r["freshness_boost"], max(r["freshness_half_life_days"], 0.001),
        ]
        return sql, params

    def _filter_sql(self, query: SearchQuery, with_kind_language: bool = True) -> tuple[str, list]:
        clauses: list[str] = []
        params: list = []
        forum_ids = sorted(query.forum_ids)
        if forum_ids:
            placeholders = ", ".join(["%s"] * len(forum_ids))
            clauses.append(f"(d.kind = %s OR d.forum_id IN ({placeholders}))")
            params += [ARTICLE, *forum_ids]
        else:
            clauses.append("d.kind = %s")
            params.append(ARTICLE)
        if with_kind_language and query.kinds:
            clauses.append(f"d.kind IN ({', '.join(['%s'] * len(query.kinds))})")
            params += list(query.kinds)
        if with_kind_language and query.languages:
            clauses.append(f"d.language IN ({', '.join(['%s'] * len(query.languages))})")
            params += list(query.languages)
        if query.solved:
            clauses.append("(d.kind = %s OR d.solved)")
            params.append(ARTICLE)
        return " AND ".join(clauses), params

    def _hits(self, ranked: list[tuple[int, float]], analyzed: AnalyzedQuery, language: str | None,
              snippet_chars: int = SNIPPET_CHARS) -> list[SearchHit]:
        if not ranked:
            return []
        rows = IndexedDocument.objects.select_related("text").in_bulk([pk for pk, _ in ranked])
        hits = []
        for pk, score in ranked:
            row = rows.get(pk)
            if row is None:  # deleted between the two queries
                continue
            hit = SearchHit(
                id=row.doc_id,
                kind=row.kind,
                title=row.title,
                url=row.url,
                language=row.language,
                snippet="",
                solved=row.solved,
                score=float(score),
                forum_id=row.forum_id,
                updated_at=row.updated_at,
                votes=row.votes,
                promoted_to=row.promoted_to,
            )
            body = row.text.body if hasattr(row, "text") else ""
            hits.append(self.decorate(hit, body, analyzed, language, snippet_chars))
        return hits

    def _rank(self, cursor, query: SearchQuery, plan: Plan, corpus: Corpus, limit: int, offset: int,
              count: bool = True):
        """([(row id, score)], total matches) for one plan; without `count`, a capped plan reports
        only what it ranked (suggest needs no total)."""
        if self.vendor == "postgresql":
            return self._pg_rank(cursor, query, plan, corpus, limit, offset)
        return self._sqlite_rank(cursor, query, plan, limit, offset, count)

    def _facets(self, cursor, query: SearchQuery, plan: Plan) -> dict[str, dict[str, int]]:
        """Matches per kind and language, ignoring the kind and language filters (for the page's
        filter counts)."""
        facet_filter, facet_params = self._filter_sql(query, with_kind_language=False)
        if self.vendor == "postgresql":
            cursor.execute(
                "SELECT d.kind, d.language, count(*) FROM search_document d "
                f"WHERE d.tsv @@ %s::tsquery AND {facet_filter} GROUP BY d.kind, d.language",
                [_tsquery(plan), *facet_params],
            )
        else:
            table, _weights = fts_table(plan)
            cursor.execute(
                f"SELECT d.kind, d.language, count(*) FROM {table} JOIN search_document d "
                f"ON d.id = {table}.rowid WHERE {table} MATCH %s AND {facet_filter} "
                "GROUP BY d.kind, d.language",
                [_fts5_match(plan), *facet_params],
            )
        return _facets(cursor.fetchall())

    # --- SQLite FTS5 ---------------------------------------------------------------------------

    def _sqlite_rank(self, cursor, query: SearchQuery, plan: Plan, limit: int, offset: int, count: bool = True):
        match = _fts5_match(plan)
        table, weights = fts_table(plan)
        filter_sql, filter_params = self._filter_sql(query)
        rows: list = []
        if limit > 0:
            boost_sql, boost_params = self._boost_sql(query.language)
            bm25 = f"-bm25({table}{', %s' * len(weights)})"
            if plan.cap:
                # FTS5 walks matches in descending rowid order and stops after `cap`: bm25 is
                # computed for those only.
                cursor.execute(
                    f"WITH c AS MATERIALIZED (SELECT rowid AS id, {bm25} AS bm FROM {table} "
                    f"WHERE {table} MATCH %s ORDER BY rowid DESC LIMIT %s) "
                    f"SELECT d.id, c.bm * {boost_sql} AS score, NULL FROM c JOIN search_document d ON d.id = c.id "
                    f"WHERE {filter_sql} ORDER BY score DESC, d.id LIMIT %s OFFSET %s",
                    [*weights, match, plan.cap, *boost_params, *filter_params, limit, offset],
                )
            else:
                cursor.execute(
                    # bm25() only works in the FTS scan's own query: score there, count and sort outside.
                    f"WITH m AS MATERIALIZED (SELECT d.id AS id, {bm25} * {boost_sql} AS score "
                    f"FROM {table} JOIN search_document d ON d.id = {table}.rowid "
                    f"WHERE {table} MATCH %s AND {filter_sql}) "
                    "SELECT id, score, count(*) OVER () FROM m ORDER BY score DESC, id LIMIT %s OFFSET %s",
                    [*weights, *boost_params, match, *filter_params, limit, offset],
                )
            rows = cursor.fetchall()
        ranked = [(pk, score) for pk, score, _ in rows]
        if rows and rows[0][2] is not None:
            return ranked, rows[0][2]
        if rows and not count:
            return ranked, len(ranked)
        cursor.execute(
            f"SELECT count(*) FROM {table} JOIN search_document d ON d.id = {table}.rowid "
            f"WHERE {table} MATCH %s AND {filter_sql}",
            [match, *filter_params],
        )
        return ranked, cursor.fetchone()[0]

    # --- PostgreSQL ------------------------------------------------------------------------------

    def _pg_rank(self, cursor, query: SearchQuery, plan: Plan, corpus: Corpus, limit: int, offset: int):
        tsquery = _tsquery(plan, corpus.frequencies)
        filter_sql, filter_params = self._filter_sql(query)
        rows: list = []
        if limit > 0:
            weights = field_weights()
            weighted_tf = " + ".join(
                f"COALESCE((m.tf -> q.term ->> {i})::float8, 0) * %s" for i in range(len(FIELDS))
            )
            terms = sorted({t for g in plan.groups for t in g.terms if t in corpus.frequencies})
            idfs = [_idf(corpus.doc_count, corpus.frequencies[t]) for t in terms]
            boost_sql, boost_params = self._boost_sql(query.language)
            # As on SQLite, a huge match set is ranked over its `cap` most recently indexed rows only:
            # reading every match's jsonb term map costs time in proportion to the matches.
            cap_sql = f"ORDER BY d.id DESC LIMIT {int(plan.cap)}" if plan.cap else ""
            cursor.execute(
                # BM25 as FTS5 computes it: sum over query terms of
                # idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avgdl)), tf weighted by field.
                "WITH q(term, idf) AS (SELECT * FROM unnest(%s::text[], %s::float8[])), "
                f"m AS MATERIALIZED (SELECT d.id, d.length, (d.tf || '{{}}'::jsonb) AS tf, {boost_sql} AS boost FROM search_document d "
                f"  WHERE d.tsv @@ %s::tsquery AND {filter_sql} {cap_sql}), "
                "s AS (SELECT m.id, m.boost * SUM(q.idf * x.tf * %s / (x.tf + %s * (%s + %s * m.length / %s))) "
                f"  AS score FROM m CROSS JOIN q CROSS JOIN LATERAL (SELECT {weighted_tf} AS tf) AS x "
                "  WHERE x.tf > 0 GROUP BY m.id, m.boost) "
                "SELECT id, score, count(*) OVER () FROM s ORDER BY score DESC, id LIMIT %s OFFSET %s",
                [terms, idfs, *boost_params, tsquery, *filter_params,
                 K1 + 1, K1, 1 - B, B, corpus.avgdl or 1.0, *weights, limit, offset],
            )
            rows = cursor.fetchall()
        if rows:
            return [(pk, score) for pk, score, _ in rows], rows[0][2]
        cursor.execute(
            f"SELECT count(*) FROM search_document d WHERE d.tsv @@ %s::tsquery AND {filter_sql}",
            [tsquery, *filter_params],
        )
        return [], cursor.fetchone()[0]

    def _pg_expand(self, cursor, group: QueryGroup, limit: int) -> QueryGroup:
        """Add a prefix's most frequent completions from the term table as ordinary terms."""
        if not group.prefixes:
            return group
        completions: list[str] = []
        for prefix in group.prefixes:
            pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            cursor.execute(
                "SELECT term FROM search_term WHERE term LIKE %s ORDER BY df DESC, term LIMIT %s",
                [pattern, limit],
            )
            completions += [row[0] for row in cursor.fetchall()]
        # Prefixes stay on the group so the planner keeps it; only `terms` reach the tsquery.
        return QueryGroup(group.word, tuple(dict.fromkeys(group.terms + tuple(completions))), group.prefixes)

    # --- status ---------------------------------------------------------------------------------

    def stats(self) -> dict[tuple[str, str], int]:
        from django.db.models import Count

        rows = IndexedDocument.objects.values_list("kind", "language").annotate(n=Count("id"))
        return {(kind, language): n for kind, language, n in rows}

    def document_count(self) -> int:
        return IndexedDocument.objects.count()

    def health(self) -> Health:
        try:
            with connection.cursor() as cursor:
                if self.vendor == "postgresql":
                    cursor.execute("SELECT doc_count FROM search_pg_stats WHERE id = 1")
                else:
                    cursor.execute("SELECT count(*) FROM search_fts_vocab WHERE term = %s", ["_"])
                cursor.fetchall()
            documents = self.document_count()
        except Exception as exc:
            return Health(ok=False, backend=self.name, detail=f"{type(exc).__name__}: {exc}")
        engine = "PostgreSQL full-text (tsvector + GIN, BM25)" if self.vendor == "postgresql" else "SQLite FTS5 (BM25)"
        return Health(ok=True, backend=self.name, detail=engine, documents=documents)


def _present_terms(groups: tuple[QueryGroup, ...], frequencies: dict[str, int]) -> tuple[QueryGroup, ...]:
    """The groups with only the alternatives the index holds (fewer phrases to evaluate)."""
    return tuple(
        QueryGroup(g.word, tuple(t for t in g.terms if t in frequencies), g.prefixes, g.stopword) for g in groups
    )


def _combine(plan: Plan, group_expression, and_: str, or_: str) -> str:
    parts = [group_expression(g) for g in plan.groups]
    if plan.operator == "PAIRS" and len(parts) > 1:
        pairs = [f"({a} {and_} {b})" for i, a in enumerate(parts) for b in parts[i + 1:]]
        return f" {or_} ".join(pairs)
    return f" {and_ if plan.operator == 'AND' else or_} ".join(parts)


def _fts5_match(plan: Plan) -> str:
    """An FTS5 MATCH expression built only from analysed terms."""
    expression = _combine(plan, _fts5_group, "AND", "OR")
    if plan.exclude:
        excluded = " AND ".join(_fts5_group(group) for group in plan.exclude)
        expression = f"({expression}) NOT ({excluded})"
    return expression


def _tsquery(plan: Plan, frequencies: dict[str, int] | None = None) -> str:
    """A tsquery built only from analysed terms (terms unknown to the index are left out)."""

    def group_query(group: QueryGroup) -> str:
        terms = [t for t in group.terms if frequencies is None or t in frequencies] or list(group.terms[:1])
        return "(" + " | ".join(_tsquery_term(t) for t in terms) + ")"

    expression = _combine(plan, group_query, "&", "|")
    if plan.exclude:
        expression = f"({expression}) & !({' & '.join(group_query(g) for g in plan.exclude)})"
    return expression


def _fts5_group(group: QueryGroup) -> str:
    parts = [_fts5_phrase(term) for term in group.terms]
    parts += [_fts5_phrase(prefix) + "*" for prefix in group.prefixes]
    return "(" + " OR ".join(parts) + ")"


def _fts5_phrase(term: str) -> str:
    # Analysed terms never hold quotes; doubling them anyway keeps the expression well-formed.
    return '"' + term.replace('"', '""') + '"'


def _tsquery_term(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def _idf(doc_count: int, df: int) -> float:
    """FTS5's BM25 idf, floored like FTS5 so very common words weigh almost nothing."""
    value = math.log((doc_count - df + 0.5) / (df + 0.5)) if doc_count else 0.0
    return value if value > 0 else 1e-6


def _json(value) -> dict:
    return json.loads(value) if isinstance(value, str) else (value or {})


def _facets(rows) -> dict[str, dict[str, int]]:
    facets: dict[str, dict[str, int]] = {"kind": {}, "language": {}}
    for kind, language, count in rows:
        facets["kind"][kind] = facets["kind"].get(kind, 0) + count
        facets["language"][language] = facets["language"].get(language, 0) + count
    return facets

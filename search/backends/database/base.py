"""The embedded search backend's engine-independent half: what SQLite and PostgreSQL share.

The site's own database is the search engine. Documents are analysed here (search/analysis.py) into
five fields of terms; each engine module stores and matches them its own way (sqlite.py: FTS5 with
BM25; postgres.py: tsvector + GIN with BM25 computed in SQL, so ranking is the same on both), and
search/backends/database/__init__.py picks the module for the configured database.

Shared here: the document rows (`search_document`, `search_document_text`), the query pipeline
(corpus statistics -> plan (planner.py) -> rank -> rerank -> decorate), boosts and filters as SQL,
and the rebuild's clean-up. The final score is BM25 multiplied by boosts read from
`SEARCH_RANKING` at query time (see search/conf.py): KB article, solved topic, helpful votes /
helpfulness, reader's language, freshness, and a penalty for a thread promoted into an article.
Nothing from the user's text reaches SQL except as bound parameters; MATCH / tsquery expressions
are assembled only from analysed terms (letters, digits, marks and `_`), never from raw input.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count

import search.backends.database.vectors as vectors
from search import conf, embeddings, typos
from search.analysis import AnalyzedQuery, QueryGroup, document_terms, document_terms_split
from search.backends.base import (
    BaseSearchBackend,
    Health,
    SearchHit,
    SearchQuery,
    SearchResults,
    Translation,
    choose_translation,
)
from search.backends.database.planner import Corpus, Plan, plan_query
from search.documents import ARTICLE, GROUP_PREFIX, SearchDocument
from search.highlight import SNIPPET_CHARS, SUGGEST_SNIPPET_CHARS
from search.models import IndexedDocument, IndexedText

# Surface forms (exact and folded words) and stems go to separate fields so exact words can weigh
# more than words that only share a stem (SEARCH_RANKING["stem_weight"]).
FIELDS = ("title", "keywords", "body", "title_stems", "body_stems")
TITLE_FIELDS = ("title", "keywords", "title_stems")
LANGUAGE_COUNTS_KEY = "search:documents-per-language"

# One ranked row: (row id, score, title, language, group). The title comes with the ranking so the
# re-scoring (BaseSearchBackend.rerank) needs no second query; the group lists an article's
# translations as one result.
RankedRow = tuple[int, float, str, str, str]
# Facet counts over the matches `f(kind, language, group_key)`: per (kind, language) documents, and
# per kind the results as listed (translations of one article count once), with a NULL language.
FACET_COUNTS_SQL = (
    "SELECT kind, language, count(*) FROM f GROUP BY kind, language "
    "UNION ALL SELECT kind, NULL, count(DISTINCT group_key) FROM f GROUP BY kind"
)


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


class DatabaseSearchBackend(BaseSearchBackend):
    """The shared half; sqlite.py and postgres.py implement the engine hooks below."""

    name = "database"
    engine = ""  # shown by health() and search_status
    title_tier = False  # the engine can match in titles and tags alone (see planner.py)
    age_days_sql = ""  # SQL: days since d.updated_at, for the freshness boost

    # --- engine hooks ---------------------------------------------------------------------------

    def _previous(self, cursor, pks: list[int]) -> dict:
        """Whatever _write_terms needs to know about these rows before they are overwritten."""
        return {}

    def _write_terms(self, cursor, pairs: list[tuple[int, AnalyzedDocument]], previous: dict) -> None:
        raise NotImplementedError

    def _delete_terms(self, cursor, pks: list[int]) -> None:
        raise NotImplementedError

    def _after_rebuild(self) -> None:
        """Make the rebuilt index live and repair derived statistics."""

    def _corpus(self, cursor, analyzed: AnalyzedQuery) -> Corpus:
        """Document count, average length and document frequencies of the query's terms."""
        raise NotImplementedError

    def _term_frequencies(self, cursor, terms: list[str]) -> dict[str, int]:
        """{term: documents holding it} for those of `terms` the index holds (typo candidates)."""
        raise NotImplementedError

    def _rank(self, cursor, query: SearchQuery, plan: Plan, corpus: Corpus, limit: int, offset: int,
              count: bool = True) -> tuple[list[RankedRow], int]:
        """([(row id, score, title, language, group)], total) for one plan, the total counting
        matching groups (an article's translations once); without `count`, a capped plan may report
        only what it ranked (suggest needs no total)."""
        raise NotImplementedError

    def _matched_groups(self, cursor, ids: list[int], groups: tuple[QueryGroup, ...]) -> dict[int, int]:
        """How many of the query's words each of the rows `ids` holds, in any field."""
        raise NotImplementedError

    def _facet_rows(self, cursor, plan: Plan, filter_sql: str, params: list) -> list[tuple[str, str | None, int]]:
        """FACET_COUNTS_SQL's rows for the plan's matches under this filter."""
        raise NotImplementedError

    def _probe(self, cursor) -> None:
        """A cheap query that fails when the engine's tables are missing (for health())."""
        raise NotImplementedError

    # --- writing -----------------------------------------------------------------------------

    def index(self, docs: Iterable[SearchDocument], generation: int | None = None) -> int:
        unique = {doc.id: doc for doc in docs}
        if not unique:
            return 0
        if generation is None:
            generation = self.current_generation()
        analysed = [analyze_document(doc) for doc in unique.values()]
        with transaction.atomic(), connection.cursor() as cursor:
            known = dict(IndexedDocument.objects.filter(doc_id__in=list(unique)).values_list("doc_id", "id"))
            previous = self._previous(cursor, list(known.values())) if known else {}
            IndexedDocument.objects.bulk_create(
                [self._row(item, generation) for item in analysed],
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
            self._write_terms(cursor, [(ids[item.doc.id], item) for item in analysed], previous)
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
            group_key=doc.group,
            embed_hash=vectors.text_hash(doc.title, doc.body),
            updated_at=doc.updated_at,
            generation=generation,
            length=item.length,
        )

    def delete(self, doc_ids: Iterable[str]) -> int:
        doc_ids = list(doc_ids)
        if not doc_ids:
            return 0
        with transaction.atomic():
            pks = list(IndexedDocument.objects.filter(doc_id__in=doc_ids).values_list("id", flat=True))
            if not pks:
                return 0
            with connection.cursor() as cursor:
                self._delete_terms(cursor, pks)
            IndexedDocument.objects.filter(id__in=pks).delete()
        return len(pks)

    def embed_pending(self, limit: int = 32) -> int:
        embedder = embeddings.get_embedder()
        if embedder is None:
            return 0
        rows = vectors.pending(embedder.identity, limit)
        if not rows:
            return 0
        pairs = [vectors.embed_texts(title, body) for _pk, _hash, title, body in rows]
        made = embedder.embed_passages([text for pair in pairs for text in pair])
        means = (made[0::2] + made[1::2]) / 2
        return vectors.write(embedder.identity,
                             [(pk, hashed, vector) for (pk, hashed, _title, _body), vector in zip(rows, means, strict=True)])

    def vector_coverage(self) -> tuple[int, int] | None:
        embedder = embeddings.get_embedder()
        return None if embedder is None else vectors.coverage(embedder.identity)

    def finish_rebuild(self, generation: int) -> None:
        """Drop documents the rebuild did not write (their source is gone), then let the engine
        make the rebuilt index live."""
        stale = list(
            IndexedDocument.objects.filter(generation__lt=generation).values_list("doc_id", flat=True)
        )
        for start in range(0, len(stale), 500):
            self.delete(stale[start:start + 500])
        self._after_rebuild()

    # --- reading -----------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResults:
        return self._run(query, suggest=False)

    def suggest(self, query: SearchQuery) -> SearchResults:
        return self._run(query, suggest=True)

    def _run(self, query: SearchQuery, suggest: bool) -> SearchResults:
        """Plan, rank, blend in the nearest documents by meaning, decorate.

        Suggest (and search with `and_first`) lists documents holding every query word first and
        fills up with the best partial matches: as-you-type suggestions must be precise, while a
        rephrased question still finds its answer through the partial matches.
        """
        analyzed = query.analyzed(prefix_last=suggest)
        if analyzed.is_empty or query.limit <= 0:
            return SearchResults(query=query.text, total=0, hits=[])
        with connection.cursor() as cursor:
            corpus = self._corpus(cursor, analyzed)
            # Words the index doesn't hold are widened with its words one edit away (search/typos.py);
            # the index is asked again only when a query has such a word.
            corrected = typos.correct(analyzed, corpus.frequencies, functools.partial(self._term_frequencies, cursor))
            if corrected.corrections:
                analyzed = corrected.analyzed
                corpus = self._corpus(cursor, analyzed)
            corpus.partition = self._partition_size(cursor, query.language, corpus.doc_count)
            plan = plan_query(corpus, self.title_tier)
            ranking = conf.ranking()
            # Suggest re-scores a short window and doesn't count all matches: it runs per keystroke.
            window = min(int(ranking["rerank_window"]), 3 * query.limit) if suggest else int(ranking["rerank_window"])
            if suggest and plan is not None and plan.cap:
                plan.cap = min(plan.cap, int(ranking["suggest_candidates"]))
            lexical = functools.partial(self._lexical, cursor, query, plan, corpus=corpus, analyzed=analyzed,
                                        window=window, suggest=suggest)
            # By meaning, the question as corrected: the model reads a misspelt word as another word.
            dense = self._dense(query, suggest, corrected.did_you_mean() or query.text)
            blended = self._blend(cursor, query, lexical, *dense, window, suggest) if dense is not None else None
            if blended is not None:
                rows, total, extras = blended
            else:
                if plan is None:
                    return SearchResults(query=query.text, total=0, hits=[])
                (rows, total, plan), extras = lexical(offset=query.offset, limit=query.limit), []
            facets = self._facets(cursor, query, plan, extras) if query.facets else {}
        hits = self._hits(rows, analyzed, query, SUGGEST_SNIPPET_CHARS if suggest else SNIPPET_CHARS)
        # Suggest's total is the number of suggestions (counting every match costs too much per key).
        return SearchResults(query=query.text, total=len(hits) if suggest else total, hits=hits, facets=facets,
                             did_you_mean=corrected.did_you_mean())

    def _lexical(self, cursor, query: SearchQuery, plan: Plan | None, *, corpus: Corpus, analyzed: AnalyzedQuery,
                 window: int, suggest: bool, offset: int, limit: int,
                 listed: set[str] | None = None) -> tuple[list[tuple[int, float, str]], int, Plan | None]:
        """One page of the word-matching results: (rows as (row id, score, group), total, the plan
        that ran). `listed`: groups to leave out (the hybrid list shows them elsewhere)."""
        if plan is None:
            return [], 0, None
        listed = set(listed or ())
        page = functools.partial(self._page, cursor, query, corpus=corpus, analyzed=analyzed, window=window,
                                 count=not suggest)
        and_first = suggest or bool(conf.ranking()["and_first"])
        if and_first and plan.operator in ("OR", "PAIRS") and len(plan.groups) > 1:
            # A group listed by the strict pass is not repeated by the loose one.
            rows, strict_total = page(Plan(plan.groups, "AND", cap=plan.cap), limit=limit, offset=offset,
                                      listed=listed)
            rest, loose_total = page(
                Plan(plan.groups, plan.operator, exclude=plan.groups, title_only=plan.title_only, cap=plan.cap),
                limit=limit - len(rows), offset=max(0, offset - strict_total), listed=listed,
            )
            return rows + rest, strict_total + loose_total, plan
        rows, total = page(plan, limit=limit, offset=offset, listed=listed)
        if not total and plan.title_only and plan.fallback:
            plan = Plan(plan.groups, plan.operator, cap=plan.cap)
            rows, total = page(plan, limit=limit, offset=offset, listed=listed)
        return rows, total, plan

    def _dense(self, query: SearchQuery, suggest: bool,
               text: str) -> tuple[vectors.Matrix, Future[tuple[np.ndarray, list[tuple[int, float]]] | None]] | None:
        """The vector matrix and, being computed on the embedding thread while the words are ranked,
        the query's vector with its nearest documents (None if the model is unavailable: logged,
        and search_status says so). None for a lexical-only answer: vectors off, none stored yet,
        or suggest while a word is still being typed (half a word has no meaning, and it runs per
        keystroke)."""
        if suggest and not query.complete:
            return None
        embedder = embeddings.get_embedder()
        if embedder is None:
            return None
        matrix = vectors.matrix(embedder.identity)
        if not len(matrix):
            return None
        k = int(conf.ranking()["dense_candidates"])
        if query.kinds or query.languages or query.solved:
            k *= 4  # filters drop many of the nearest: look further

        def meaning() -> tuple[np.ndarray, list[tuple[int, float]]] | None:
            query_vector = embeddings.query_vector(embedder, text)
            return None if query_vector is None else (query_vector, matrix.nearest(query_vector, k))

        return matrix, embeddings.in_background(meaning)

    def _blend(self, cursor, query: SearchQuery, lexical, matrix: vectors.Matrix,
               meaning: Future[tuple[np.ndarray, list[tuple[int, float]]] | None], window: int,
               suggest: bool) -> tuple[list[tuple[int, float, str]], int, list[tuple[str, str]]] | None:
        """Hybrid results: the best `window` word matches and the nearest documents by meaning, ranked
        together by

            dense_weight * similarity + (1 - dense_weight) * lexical score,

        the lexical score min-max normalised over the word matches listed, the similarity scaled
        from the background's (0) to the closest document's (1),
        times boost ** dense_boost_power (the reader's language, articles, solved threads: a
        thread in another language must not push the reader's own article down by meaning). A document found by meaning only joins when its
        cosine reaches dense_min_similarity and is within dense_margin of the closest document's
        (otherwise every query would "find" something), at most dense_extras of them. After
        this head come the remaining word matches in lexical order, so paging neither repeats nor
        skips. Returns (page rows, total, (kind, language) of the meaning-only results that hold
        none of the query's words, which the total and facets count on top of the lexical ones), or
        None when the query could not be embedded."""
        ranking = conf.ranking()
        head, lexical_total, plan = lexical(offset=0, limit=window)
        found = meaning.result()
        if found is None:  # the model is unavailable: words only
            return None
        query_vector, nearest = found
        nearest_all = nearest
        # Meaning-only candidates must be close in absolute terms and next to the closest one: the
        # model puts everything at 0.75-0.8, and a one-word query near many titles at once.
        bar = max(float(ranking["dense_min_similarity"]), (nearest[0][1] if nearest else 0.0) - ranking["dense_margin"])
        nearest = [(pk, cos) for pk, cos in nearest if cos >= bar]
        head_pks = [pk for pk, _score, _group in head]
        info = self._candidate_info(cursor, query, head_pks + [pk for pk, _cos in nearest])
        cosines = matrix.similarity(query_vector, head_pks)
        cosines.update(nearest)
        head_groups = {group for _pk, _score, group in head}
        extras: dict[str, tuple[int, float]] = {}  # group -> its closest member found by meaning only
        for pk, cos in nearest:
            if len(extras) >= ranking["dense_extras"]:
                break
            if pk in info and info[pk][0] not in head_groups and info[pk][0] not in extras:
                extras[info[pk][0]] = (pk, cos)
        scores = [score for _pk, score, _group in head]
        low, high = (min(scores), max(scores)) if scores else (0.0, 0.0)
        # Similarities are scaled between the closest document's and the background's (the
        # dense_candidates-th closest, or the farthest of a small index): the model's similarities
        # crowd into a narrow band, and a document barely closer than the background must not count
        # like the closest one. Measured on StackFAQ: raw similarities blended to MRR@10 0.88, scaled 0.94.
        near = max([nearest_all[0][1]] + list(cosines.values())) if nearest_all else 1.0
        far = nearest_all[-1][1] if nearest_all else 0.0
        weight, power = float(ranking["dense_weight"]), float(ranking["dense_boost_power"])

        def blended(pk: int, lexical_score: float | None) -> float:
            words = 0.0 if lexical_score is None else (
                (lexical_score - low) / (high - low) if high > low else 1.0)
            # A document without a vector yet counts as the least close.
            meaning = max(0.0, (cosines.get(pk, far) - far) / (near - far)) if near > far else 1.0
            boost = info[pk][1] if pk in info else 1.0
            return (weight * meaning + (1 - weight) * words) * boost ** power

        listing = [(blended(pk, score), pk, group) for pk, score, group in head]
        listing += [(blended(pk, None), pk, group) for group, (pk, _cos) in extras.items()]
        listing.sort(key=lambda item: (-item[0], item[1]))
        merged = [(pk, score, group) for score, pk, group in listing]
        start, end = query.offset, query.offset + query.limit
        rows = merged[start:end]
        if suggest or len(head) < window:  # the word matches all fit in the head
            return rows, len(merged), [info[pk][2:] for _group, (pk, _cos) in extras.items()]
        if end > len(merged):  # the page reaches into the word matches after the head
            tail, _total, _plan = lexical(offset=window + max(0, start - len(merged)), limit=end - max(start, len(merged)),
                                          listed=set(extras))
            rows += tail
        wordless = self._without_query_words(cursor, [pk for pk, _cos in extras.values()], plan)
        return rows, lexical_total + len(wordless), [info[pk][2:] for pk in wordless]

    def _candidate_info(self, cursor, query: SearchQuery, pks: list[int]) -> dict[int, tuple[str, float, str, str]]:
        """{row id: (group, boost, kind, language)} for those of these rows that pass the reader's
        filters (forums they may read, kinds, languages, solved)."""
        if not pks:
            return {}
        filter_sql, filter_params = self._filter_sql(query)
        boost_sql, boost_params = self._boost_sql(query.language)
        placeholders = ", ".join(["%s"] * len(pks))
        cursor.execute(
            f"SELECT d.id, d.group_key, {boost_sql}, d.kind, d.language FROM search_document d "
            f"WHERE d.id IN ({placeholders}) AND {filter_sql}",
            [*boost_params, *pks, *filter_params],
        )
        return {pk: (group, float(boost), kind, language) for pk, group, boost, kind, language in cursor.fetchall()}

    def _without_query_words(self, cursor, pks: list[int], plan: Plan | None) -> list[int]:
        """Those of these rows that hold none of the query's words (not among the word matches)."""
        if not pks or plan is None:
            return pks
        matched = self._matched_groups(cursor, pks, plan.groups)
        return [pk for pk in pks if not matched.get(pk)]

    def _page(self, cursor, query: SearchQuery, plan: Plan, *, corpus: Corpus, analyzed: AnalyzedQuery,
              window: int, count: bool, limit: int, offset: int,
              listed: set[str] | None = None) -> tuple[list[tuple[int, float, str]], int]:
        """One page of results, as (row id, score, group): one row per group (the best-ranked of
        an article's translations; `_hits` then shows the reader's own). The best `window` rows are
        re-scored by how well they fit the question (see BaseSearchBackend.rerank); rows beyond the
        window keep the database order. Pages are cut from the same grouped list, so paging never
        repeats or skips a result. `listed`: groups an earlier pass listed (skipped here; updated)."""
        listed = set() if listed is None else listed
        if limit <= 0:
            if not count:
                return [], 0
            _ranked, total = self._rank(cursor, query, plan, corpus, 0, 0, count)
            return [], total
        wanted = offset + limit
        grouped: list[tuple[int, float, str]] = []

        def take(rows: list[tuple[int, float]], groups: dict[int, str]) -> None:
            for pk, score in rows:
                if groups[pk] not in listed:
                    listed.add(groups[pk])
                    grouped.append((pk, score, groups[pk]))

        batch = window or wanted
        ranked, total = self._rank(cursor, query, plan, corpus, batch, 0, count)
        rows = [(pk, score) for pk, score, _title, _language, _group in ranked]
        if window and rows:
            titles = {pk: (title, language) for pk, _score, title, language, _group in ranked}
            matched = None
            if count and conf.ranking()["document_coverage_boost"]:
                matched = self._matched_groups(cursor, [pk for pk, _ in rows], corpus.groups)
            rows = self.rerank(rows, titles, analyzed, matched)
        take(rows, {pk: group for pk, _score, _title, _language, group in ranked})
        fetched = len(ranked)
        # Beyond the window, more rows until the page is full: translations that ranked lower
        # than their group's first row take no place on it.
        while len(grouped) < wanted and len(ranked) == batch:
            batch = 2 * (wanted - len(grouped)) + 10
            ranked, _total = self._rank(cursor, query, plan, corpus, batch, fetched, False)
            fetched += len(ranked)
            take([(pk, score) for pk, score, *_rest in ranked], {pk: group for pk, *_rest, group in ranked})
        return grouped[offset:wanted], total

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

    def _boost_sql(self, language: str | None) -> tuple[str, list]:
        """The multiplicative boost as SQL over `d` (search_document), with its parameters."""
        r = conf.ranking()
        age_days = self.age_days_sql
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

    def _hits(self, ranked: list[tuple[int, float, str]], analyzed: AnalyzedQuery, query: SearchQuery,
              snippet_chars: int = SNIPPET_CHARS) -> list[SearchHit]:
        """The listed results, an article shown in the reader's language where that translation is
        indexed (and passes the language filter), with its other languages as `translations`."""
        if not ranked:
            return []
        members = self._translations([group for _pk, _score, group in ranked if group.startswith(GROUP_PREFIX)],
                                     query.languages)
        chosen = [(choose_translation(pk, members.get(group, []), query.language), score, group)
                  for pk, score, group in ranked]
        rows = IndexedDocument.objects.select_related("text").in_bulk([pk for pk, _score, _group in chosen])
        hits = []
        for pk, score, group in chosen:
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
                group=group,
                translations=[m for m in members.get(group, []) if m.id != row.doc_id],
            )
            body = row.text.body if hasattr(row, "text") else ""
            hits.append(self.decorate(hit, body, analyzed, query.language, snippet_chars))
        return hits

    @staticmethod
    def _translations(groups: list[str], languages: tuple[str, ...] = ()) -> dict[str, list[Translation]]:
        """Every indexed translation of these groups (within the language filter), by group."""
        if not groups:
            return {}
        rows = IndexedDocument.objects.filter(group_key__in=groups)
        if languages:
            rows = rows.filter(language__in=languages)
        members: dict[str, list[Translation]] = {}
        for pk, doc_id, group, language, url, title in rows.order_by("language").values_list(
            "id", "doc_id", "group_key", "language", "url", "title"
        ):
            members.setdefault(group, []).append(Translation(doc_id, language, url, title, pk))
        return members

    def _facets(self, cursor, query: SearchQuery, plan: Plan | None,
                extras: list[tuple[str, str]] = ()) -> dict[str, dict[str, int]]:
        """Matches per kind and language, ignoring the kind and language filters (for the page's
        filter counts). `extras`: (kind, language) of results found by meaning only. Within the
        filters they count as listed; the other kinds and languages count word matches only."""
        facet_filter, facet_params = self._filter_sql(query, with_kind_language=False)
        facets: dict[str, dict[str, int]] = {"kind": {}, "language": {}}
        rows = self._facet_rows(cursor, plan, facet_filter, facet_params) if plan is not None else []
        for kind, language, count in rows:
            if language is None:  # results as listed: an article's translations once
                facets["kind"][kind] = count
            else:
                facets["language"][language] = facets["language"].get(language, 0) + count
        for kind, language in extras:
            facets["kind"][kind] = facets["kind"].get(kind, 0) + 1
            facets["language"][language] = facets["language"].get(language, 0) + 1
        return facets

    # --- status ---------------------------------------------------------------------------------

    def stats(self) -> dict[tuple[str, str], int]:
        rows = IndexedDocument.objects.values_list("kind", "language").annotate(n=Count("id"))
        return {(kind, language): n for kind, language, n in rows}

    def document_count(self) -> int:
        return IndexedDocument.objects.count()

    def health(self) -> Health:
        try:
            with connection.cursor() as cursor:
                self._probe(cursor)
            documents = self.document_count()
        except Exception as exc:
            return Health(ok=False, backend=self.name, detail=f"{type(exc).__name__}: {exc}")
        return Health(ok=True, backend=self.name, detail=self.engine, documents=documents)

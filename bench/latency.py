"""Latency of /api/suggest and /api/search through the whole Django stack, and indexing throughput.

    .venv/bin/python bench/latency.py --sizes 10000 100000 [--requests 400]

For each size (topics; plus --articles KB articles per language) the corpus generator
(bench/corpus.py, fixed seed) fills a throwaway SQLite database up to that size, `search_reindex`
rebuilds the whole index (indexing throughput = documents / wall time), then anonymous requests go
through Django's test client (middleware, URL routing, permissions, event rows, JSON):
- suggest: the beginning of a random existing title cut inside a word ("dns reco"), as typed;
- search: 2-5 words of a random existing title, shuffled (a rephrased question).
Reported: p50/p95/p99 in milliseconds after a warm-up, process peak RSS and database size.
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
        call_command("search_reindex", "--restart", verbosity=0, stdout=open(os.devnull, "w"))
        indexing = time.monotonic() - started
        documents = IndexedDocument.objects.count()
        titles = list(IndexedDocument.objects.values_list("title", "language"))
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
            "db_mb": round(sum(p.stat().st_size for p in work.glob("bench.sqlite3*")) / 1e6),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
        SearchEvent.objects.all().delete()
        results.append(row)
        print(json.dumps(row), flush=True)
    print()
    print(f"{'topics':>8} {'docs':>8} {'index docs/s':>12} {'suggest p50/p95/p99 ms':>24} {'search p50/p95/p99 ms':>24}")
    for row in results:
        s, q = row["suggest"], row["search"]
        print(f"{row['topics']:>8} {row['documents']:>8} {row['index_docs_per_s']:>12} "
              f"{s['p50']:>8.1f}{s['p95']:>8.1f}{s['p99']:>8.1f} {q['p50']:>8.1f}{q['p95']:>8.1f}{q['p99']:>8.1f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
